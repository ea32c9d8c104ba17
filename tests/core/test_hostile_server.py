"""The client trusts nothing a server (or a network) sends: over real loopback HTTP, the emulator
echoes the secret back, sends ids that are not ids, JSON the app cannot read, answers a byte at a
time, and asks to wait for ever. Every test runs under `secret_guard` (through the `emulator`
fixture): no secret in any log record or output either.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import secrets
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from robocloud_desktop.core.api import NO_RETRY, ProcessApiClient
from robocloud_desktop.core.errors import (
    MAX_RETRY_AFTER,
    CannotConnect,
    NotFound,
    OutcomeUnknown,
    PayloadRejected,
    ProcessApiError,
    RateLimited,
    RequestTimeout,
    SecretRejected,
    ServerError,
    UnexpectedAnswer,
)
from robocloud_desktop.core.history import RunHistory
from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.target import Target
from robocloud_desktop.core.transport import MAX_ERROR_BODY_BYTES, Transport
from robocloud_desktop.emulator import EmulatedProcess, Emulator, Fault
from tests.core.test_api import assert_clean

# Quotes, slashes, a plus, a backslash and spaces: characters that each encoding writes differently.
SECRET_PREFIX = 's3cr3t "q" /sl+sh\\b a'


@pytest.fixture
def echo(emulator: Emulator, secret_guard: Any) -> EmulatedProcess:
    """A process whose secret has characters every encoding treats differently."""
    secret = secret_guard.add(SECRET_PREFIX + secrets.token_urlsafe(24))
    return emulator.add_process(secret=secret)


@pytest.fixture
def echo_target(emulator: Emulator, echo: EmulatedProcess) -> Target:
    return Target(emulator.base_url, echo.workspace_id, echo.process_id)


@pytest.fixture
def client() -> Iterator[ProcessApiClient]:
    with ProcessApiClient(timeout=(2.0, 2.0), retry=NO_RETRY) as api:
        yield api


def forms(secret: str) -> dict[str, str]:
    """The ways a server may write a secret back."""
    return {
        "raw": secret,
        "url": quote(secret, safe=""),
        "url-lower-hex": quote(secret, safe="").replace("%2F", "%2f").replace("%2B", "%2b").replace("%5C", "%5c"),
        "url-keeping-slash": quote(secret),
        "plus-for-space": quote_plus(secret),
        "json-escaped": json.dumps(secret)[1:-1],
        "json-escaped-slash": json.dumps(secret)[1:-1].replace("/", "\\/"),
        "json-unicode-escaped": "".join(f"\\u{ord(ch):04x}" for ch in secret),
    }


def assert_no_secret(text: str, secret: str) -> None:
    for name, form in forms(secret).items():
        assert form not in text, f"the secret ({name}) is in {text!r}"
    # Nor the first half of it (an excerpt cut in the middle of a secret).
    assert secret[: len(secret) // 2] not in text


def ends_within(seconds: float, call: Callable[[], Any]) -> BaseException | Any:
    """Run `call` in a thread and wait for it at most `seconds`: the call's error or result."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = call()
        except BaseException as error:  # handed to the test, which asserts on it
            box["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"the call had not returned after {seconds} s"
    return box.get("error", box.get("result"))


# --- 1. no secret is written down -------------------------------------------------------------------------


@pytest.mark.parametrize("form", list(forms("x")))
def test_secret_echoed_in_a_trigger_answer_is_masked_in_the_run_returned(client, emulator, echo, echo_target, form):
    echoed = forms(echo.secret)[form]
    body = json.dumps({"message": "OK", "processRunId": "run-1", "note": f"you sent {echoed}",
                       echoed: "as a key", "deep": {"list": [f"[{echoed}]"]}})
    emulator.inject(Fault("status", status=200, body=body, method="POST"))
    run = client.trigger(echo_target, echo.secret, {})
    assert run.run_id == "run-1"
    shown = json.dumps(run.raw) + repr(run)
    assert_no_secret(shown, echo.secret)
    assert run.raw["note"] == "you sent ***"
    assert run.raw["deep"] == {"list": ["[***]"]}


def test_secret_json_escaped_character_by_character_in_the_answer_text_is_masked(client, emulator, echo,
                                                                                 echo_target):
    escaped = "".join(f"\\u{ord(ch):04X}" for ch in echo.secret)  # the parsed string is the raw secret
    body = '{"processRunId": "run-2", "echo": "' + escaped + '"}'
    emulator.inject(Fault("status", status=200, body=body, method="POST"))
    run = client.trigger(echo_target, echo.secret, {})
    assert run.raw["echo"] == "***"


def test_status_answer_echoing_the_secret_never_reaches_the_run_history(client, emulator, echo, echo_target,
                                                                       tmp_path: Path):
    run = client.trigger(echo_target, echo.secret, {})
    every_form = forms(echo.secret)
    body = json.dumps({"id": run.run_id, "state": "COMPL", "result": f"ERR {every_form['url-lower-hex']}",
                       "errorCode": every_form["json-escaped"], "duration": 3,
                       "debug": {"request": {"headers": {"robocloud-process-secret": echo.secret}},
                                 "url": f"/runs?robocloud-process-secret={every_form['plus-for-space']}"}})
    emulator.inject(Fault("status", status=200, body=body, method="GET"))
    status = client.get_run(echo_target, echo.secret, run.run_id)
    assert status.result == "ERR ***" and status.error_code == "***"
    assert_no_secret(repr(status), echo.secret)

    history = RunHistory(tmp_path / "history.sqlite3")
    record = history.record_trigger(run, echo_target, {})
    history.record_status(record, status, finished=True)
    history.close()
    stored = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.is_file())
    assert stored  # the history was written
    assert_no_secret(stored.decode("latin-1"), echo.secret)


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_answer_that_is_not_json_and_echoes_the_secret_is_masked_in_the_error(client, emulator, echo, echo_target,
                                                                             method):
    run_id = client.trigger(echo_target, echo.secret, {}).run_id if method == "GET" else ""
    echoed = forms(echo.secret)
    emulator.inject(Fault("status", status=200, method=method,
                          body=f"Hello! Your key is {echoed['raw']} (also {echoed['url-lower-hex']})"))
    call = (lambda: client.get_run(echo_target, echo.secret, run_id)) if method == "GET" else (
        lambda: client.trigger(echo_target, echo.secret, {}))
    with pytest.raises(UnexpectedAnswer) as info:
        call()
    assert "Hello! Your key is ***" in info.value.message
    assert_no_secret(str(info.value) + repr(info.value), echo.secret)


@pytest.mark.parametrize(
    ("status", "kind", "error"),
    [(400, "json", PayloadRejected), (401, "json", SecretRejected), (404, "json", NotFound),
     (500, "html", ServerError), (502, "text", ServerError), (418, "html", UnexpectedAnswer)],
)
def test_error_answer_echoing_the_secret_is_masked(client, emulator, echo, echo_target, status, kind, error):
    echoed = forms(echo.secret)
    text = f"bad key {echoed['url-lower-hex']} / {echoed['json-unicode-escaped']} / {echoed['plus-for-space']}"
    body = {"json": json.dumps({"error": {"code": "BAD", "message": text}}),
            "text": text,
            "html": f"<html><body><h1>Error</h1><p>{text}</p><!-- {echoed['raw']} --></body></html>"}[kind]
    headers = (("Content-Type", "text/html"),) if kind == "html" else ()
    emulator.inject(Fault("status", status=status, body=body, headers=headers, method="POST"))
    with pytest.raises(error) as info:
        client.trigger(echo_target, echo.secret, {})
    assert "bad key ***" in info.value.message
    assert_no_secret(str(info.value) + repr(info.value), echo.secret)
    if isinstance(info.value, PayloadRejected):
        assert_no_secret(info.value.server_message, echo.secret)


def test_secret_echoed_in_the_headers_of_an_answer_without_body_is_masked(client, emulator, echo, echo_target):
    echoed = forms(echo.secret)
    emulator.inject(Fault("status", status=200, body=b"", method="POST", headers=(
        ("Content-Type", f"text/plain; key={echoed['url']}"), ("Location", f"/login?key={echoed['url']}"),
        ("X-Echo", echo.secret.replace('"', "'")))))
    with pytest.raises(ProcessApiError) as info:
        client.trigger(echo_target, echo.secret, {})
    assert "HTTP 200" in info.value.message and "text/plain; key=***" in info.value.message
    assert_no_secret(str(info.value) + repr(info.value), echo.secret)


def test_secret_running_past_the_end_of_the_excerpt_is_not_shown_in_half(client, emulator, echo, echo_target):
    # Markup fills the excerpt's window so the text shown starts right where the secret does.
    body = "<b></b>" * 180 + " key: " + echo.secret + " and more"
    emulator.inject(Fault("status", status=503, body=body, method="GET"))
    run = client.trigger(echo_target, echo.secret, {})
    with pytest.raises(ServerError) as info:
        client.get_run(echo_target, echo.secret, run.run_id)
    assert "key: ***" in info.value.message
    assert_no_secret(info.value.message, echo.secret)
    assert echo.secret[:8] not in info.value.message


@pytest.mark.parametrize("secret", ["line\nbreak-" + "x" * 30, " leading-space-" + "x" * 30, "euro-€-" + "x" * 30,
                                    "long-" + "x" * 3_000_000])
def test_secret_that_cannot_be_sent_is_refused_without_being_quoted(client, emulator, target, secret_guard, secret):
    secret_guard.add(secret)
    with pytest.raises(SecretRejected) as info:
        client.trigger(target, secret, {})
    assert_clean(info.value, secret, secret.strip())
    assert "Copy it from Control Room again" in info.value.message
    assert emulator.count() == 0


# --- 2. what the server says is shown safely ---------------------------------------------------------------


@pytest.mark.parametrize("run_id", ["../../runs", "run\u202eid", "run id", ".", "..", "r" * 129, "run\x00id",
                                    42, {"id": "r"}, "", None])
def test_trigger_answer_without_a_plain_run_id_is_refused_saying_the_run_may_have_started(
        client, emulator, target, process, run_id):
    answer = {"message": "OK", "processRunId": run_id, "workItemId": "w"}
    emulator.inject(Fault("status", status=200, body=json.dumps(answer), method="POST"))
    with pytest.raises(UnexpectedAnswer) as info:
        client.trigger(target, process.secret, {})
    assert "may have started" in info.value.message and "check Control Room" in info.value.message
    assert "\u202e" not in info.value.message and "\x00" not in info.value.message
    assert emulator.count("POST") == 1


def test_trigger_answer_ids_with_hidden_characters_are_not_taken(client, emulator, target, process):
    answer = {"message": "OK", "processRunId": "run-3.a:b_c", "workItemId": "item\u200b-1",
              "processId": "evil\u202e", "workspaceId": "ws\nx"}
    emulator.inject(Fault("status", status=200, body=json.dumps(answer), method="POST"))
    run = client.trigger(target, process.secret, {})
    assert (run.run_id, run.work_item_id, run.process_id, run.workspace_id) == (
        "run-3.a:b_c", "", target.process_id, target.workspace_id)


@pytest.mark.parametrize("answer_id", ["another-run", "run\u202e", "../x", 7])
def test_status_answer_naming_another_or_no_plain_id_keeps_the_run_asked_for(client, emulator, target, process,
                                                                            answer_id):
    run = client.trigger(target, process.secret, {})
    emulator.inject(Fault("status", status=200, method="GET",
                          body=json.dumps({"id": answer_id, "state": "IP", "result": "", "errorCode": ""})))
    assert client.get_run(target, process.secret, run.run_id).run_id == run.run_id


def test_status_codes_lose_control_and_invisible_characters(client, emulator, target, process):
    run = client.trigger(target, process.secret, {})
    emulator.inject(Fault("status", status=200, method="GET", body=json.dumps(
        {"id": run.run_id, "state": "CO\u200bMPL", "result": "\u202eERR\u2066", "errorCode": "BAD\nCODE\x1b[31m\ue000",
         "duration": 4})))
    status = client.get_run(target, process.secret, run.run_id)
    assert (status.state, status.result, status.error_code) == ("COMPL", "ERR", "BADCODE[31m")
    assert status.outcome is Outcome.FAILED


def test_status_fields_of_the_wrong_type_neither_crash_nor_show_as_garbage(client, emulator, target, process):
    run = client.trigger(target, process.secret, {})
    answers = [
        ({"state": {"name": "IP"}, "result": "", "errorCode": ["E"], "duration": "12"}, ("?", "", "?", None)),
        ({"state": "COMPL", "result": [], "errorCode": None, "duration": -5}, ("COMPL", "?", "", None)),
        ({"state": "COMPL", "result": True, "errorCode": 3, "duration": 1e12}, ("COMPL", "?", "3", None)),
        ({"state": 5, "result": "\u200b", "errorCode": "", "duration": True}, ("5", "?", "", None)),
    ]
    for answer, expected in answers:
        emulator.inject(Fault("status", status=200, method="GET", body=json.dumps(answer)))
        status = client.get_run(target, process.secret, run.run_id)
        assert (status.state, status.result, status.error_code, status.duration) == expected
        # A result that is not text never reads as success.
        assert status.outcome is not Outcome.SUCCEEDED


# --- 3. answers the app cannot read -------------------------------------------------------------------------


def _nested(depth: int) -> str:
    return '{"processRunId": "run-4", "x": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize(
    ("body", "said"),
    [(_nested(100), "nested more than 64 levels"), (_nested(100_000), "nested more than 64 levels"),
     ('{"processRunId": "run-5", "n": ' + "9" * 5000 + "}", "5,000 digits"),
     (b'{"processRunId": "r\xff\xfe"}', "not UTF-8")],
)
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_json_the_app_cannot_read_is_an_unexpected_answer_in_a_sentence(client, emulator, target, process,
                                                                          body, said, method):
    run_id = client.trigger(target, process.secret, {}).run_id if method == "GET" else ""
    emulator.inject(Fault("status", status=200, body=body, method=method,
                          headers=(("Content-Type", "application/json"),)))
    call = (lambda: client.get_run(target, process.secret, run_id)) if method == "GET" else (
        lambda: client.trigger(target, process.secret, {}))
    with pytest.raises(UnexpectedAnswer) as info:
        call()
    assert said in info.value.message and "HTTP 200" in info.value.message
    if method == "POST":
        assert "may have started" in info.value.message and "check Control Room" in info.value.message
        assert emulator.count("POST") == 1


@pytest.mark.parametrize("body", [_nested(100_000), '{"message": ' + "1" * 5000 + "}"])
@pytest.mark.parametrize("status", [400, 503])
def test_error_body_the_app_cannot_read_still_gives_the_status_in_a_sentence(client, emulator, target, process,
                                                                             body, status):
    emulator.inject(Fault("status", status=status, body=body, method="POST"))
    with pytest.raises(PayloadRejected if status == 400 else ServerError) as info:
        client.trigger(target, process.secret, {})
    assert f"HTTP {status}" in info.value.message


def test_status_answer_with_nan_for_a_number_is_an_unexpected_answer(client, emulator, target, process):
    run = client.trigger(target, process.secret, {})
    emulator.inject(Fault("status", status=200, method="GET",
                          body='{"state": "COMPL", "result": "OK", "errorCode": "", "duration": NaN}'))
    with pytest.raises(UnexpectedAnswer) as info:
        client.get_run(target, process.secret, run.run_id)
    assert "NaN, which is not valid JSON" in info.value.message


def test_error_answer_is_read_only_as_far_as_its_message_needs(emulator, target, process):
    emulator.inject(Fault("status", status=500, body="x" * (1024 * 1024), method="GET"))
    transport = Transport(timeout=(5.0, 5.0))
    try:
        answer = transport.send("GET", target, target.run_url("run"), process.secret)
    finally:
        transport.close()
    assert answer.status == 500
    assert len(answer.body) == MAX_ERROR_BODY_BYTES < 1024 * 1024


def test_answer_over_two_megabytes_is_refused_in_words(client, emulator, target, process):
    body = '{"processRunId": "run-7", "pad": "' + "x" * (3 * 1024 * 1024) + '"}'
    emulator.inject(Fault("status", status=200, body=body, method="POST"))
    with pytest.raises(UnexpectedAnswer) as info:
        client.trigger(target, process.secret, {})
    assert "more than 2 MB" in info.value.message and "may have started" in info.value.message


def test_content_length_that_is_not_a_number_is_read_to_the_end_of_the_answer(client, emulator, target, process):
    # "²" passes Python's str.isdigit(), yet int() refuses it.
    emulator.inject(Fault("raw", method="POST", body=(
        'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \u00b2\r\n\r\n{"processRunId": "run-8"}'
    ).encode("latin-1")))
    assert client.trigger(target, process.secret, {}).run_id == "run-8"


def test_content_length_given_twice_over_is_not_a_valid_answer(client, emulator, target, process):
    emulator.inject(Fault("raw", method="POST", body=(
        b'HTTP/1.1 200 OK\r\nContent-Length: 2, 7\r\n\r\n{"processRunId": "run-9"}')))
    with pytest.raises(UnexpectedAnswer) as info:
        client.trigger(target, process.secret, {})
    assert "not a valid HTTP answer" in info.value.message and "may have started" in info.value.message


def test_answer_that_is_not_http_is_an_unexpected_answer(client, emulator, target, process):
    emulator.inject(Fault("raw", method="POST", body=b"SSH-2.0-OpenSSH_9.6\r\n"))
    with pytest.raises(UnexpectedAnswer) as info:
        client.trigger(target, process.secret, {})
    assert "not a valid HTTP answer" in info.value.message and "may have started" in info.value.message


# --- 4. every request ends ----------------------------------------------------------------------------------


@pytest.fixture
def quick() -> Iterator[ProcessApiClient]:
    """Per-read timeouts far above the pauses of a trickle, and half a second for the whole request."""
    with ProcessApiClient(timeout=(5.0, 5.0), request_timeout=0.5, retry=NO_RETRY) as api:
        yield api


@pytest.mark.parametrize("where", ["status", "headers", "body"])
def test_status_read_answered_a_byte_at_a_time_ends_at_the_deadline(quick, emulator, target, process, where):
    run = quick.trigger(target, process.secret, {})
    emulator.inject(Fault("trickle", seconds=0.1, where=where, method="GET"))
    error = ends_within(10, lambda: quick.get_run(target, process.secret, run.run_id))
    assert isinstance(error, RequestTimeout)
    assert "did not answer within 0.5 s" in error.message
    assert_clean(error, process.secret)


@pytest.mark.parametrize("where", ["status", "headers", "body"])
def test_trigger_answered_a_byte_at_a_time_ends_at_the_deadline_unknown_and_not_resent(emulator, target, process,
                                                                                      where):
    emulator.inject(Fault("trickle", seconds=0.1, where=where, method="POST", times=5))
    with ProcessApiClient(timeout=(5.0, 5.0), request_timeout=0.5) as api:  # retries allowed: none may happen
        error = ends_within(10, lambda: api.trigger(target, process.secret, {}))
    assert isinstance(error, OutcomeUnknown)
    assert "within 0.5 s" in error.message and "may or may not have started" in error.message
    assert emulator.count("POST") == 1
    assert emulator.runs_created == 1  # the trickled answer was for a run that did start


def test_request_timeout_caps_the_connect_and_read_timeouts(emulator, target, process):
    emulator.inject(Fault("delay", seconds=1.5, method="GET"))
    run_id = "no-such-run"
    with ProcessApiClient(timeout=(30.0, 30.0), request_timeout=0.5, retry=NO_RETRY) as api:
        error = ends_within(10, lambda: api.get_run(target, process.secret, run_id))
    assert isinstance(error, RequestTimeout) and "within 0.5 s" in error.message


def test_connection_is_reused_after_a_request_ended_at_its_deadline(quick, emulator, target, process):
    run = quick.trigger(target, process.secret, {})
    emulator.inject(Fault("trickle", seconds=0.1, where="body", method="GET"))
    assert isinstance(ends_within(10, lambda: quick.get_run(target, process.secret, run.run_id)), RequestTimeout)
    for _ in range(3):
        quick.get_run(target, process.secret, run.run_id)
    gets = [r for r in emulator.requests if r.method == "GET"]
    assert len({r.client_port for r in gets[1:]}) == 1  # keep-alive works again after the cut one


def test_proxy_answering_a_byte_at_a_time_ends_at_the_deadline(quick, emulator, process, monkeypatch):
    # The emulator stands in for a company proxy: the tunnel's CONNECT gets a trickled answer.
    monkeypatch.setenv("HTTPS_PROXY", emulator.base_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    emulator.inject(Fault("trickle", seconds=0.1, where="status", method="CONNECT"))
    remote = Target("https://api.eu1.robocloud.eu", "ws", "pid")
    error = ends_within(10, lambda: quick.trigger(remote, process.secret, {}))
    assert isinstance(error, CannotConnect) and "within 0.5 s" in error.message
    assert emulator.count("CONNECT") == 1


def test_tls_handshake_answered_a_byte_at_a_time_ends_at_the_deadline(quick, process):
    # The emulator speaks plain HTTP only, so a bare socket plays the server whose TLS handshake trickles.
    with _TricklingServer() as server:
        target = Target(f"https://127.0.0.1:{server.port}", "ws", "pid")
        error = ends_within(10, lambda: quick.get_run(target, process.secret, "run"))
    assert isinstance(error, CannotConnect) and "within 0.5 s" in error.message


def test_https_verified_by_the_system_trust_store_keeps_alive_and_keeps_its_deadline(emulator, target, process,
                                                                                   tmp_path, monkeypatch):
    with _TlsFront(emulator, tmp_path) as front:
        tls_target = Target(front.base_url, target.workspace_id, target.process_id)
        with ProcessApiClient(timeout=(5.0, 5.0), request_timeout=1, retry=NO_RETRY) as api:
            # Not yet in the trust store: refused.
            monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "elsewhere.pem"))
            untrusted = ends_within(10, lambda: api.trigger(tls_target, process.secret, {}))
            assert isinstance(untrusted, CannotConnect) and "TLS" in untrusted.message
            assert emulator.runs_created == 0
            # Trusted the way the operating system's store is read on Linux.
            monkeypatch.setenv("SSL_CERT_FILE", str(front.cert_file))
            run = api.trigger(tls_target, process.secret, {})
            emulator.inject(Fault("trickle", seconds=0.2, where="body", method="GET"))
            error = ends_within(10, lambda: api.get_run(tls_target, process.secret, run.run_id))
            assert isinstance(error, RequestTimeout) and "within 1 s" in error.message
            for _ in range(3):
                assert api.get_run(tls_target, process.secret, run.run_id).run_id == run.run_id
    assert front.connections == 3  # the refused one, the one cut at the deadline, one for the rest


@pytest.mark.parametrize("seconds", [0, -1, float("nan"), float("inf"), "60", True])
def test_request_timeout_must_be_a_positive_number_of_seconds(seconds):
    with pytest.raises(ValueError, match="request_timeout"):
        ProcessApiClient(request_timeout=seconds)


# --- 5. Retry-After is bounded --------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "asked"), [("86400", "asked to wait 86,400 s (24 hours)"),
                                               ("99999999999999999999", "years"),
                                               (formatdate(time.time() + 365 * 86400, usegmt=True), "days)")],
                         ids=["a-day", "years", "a-date-a-year-away"])  # ids without the time: the same in every worker
def test_retry_after_beyond_the_bound_is_capped_and_said(client, emulator, target, process, header, asked):
    emulator.inject(Fault("status", status=429, retry_after=header, method="POST"))
    with pytest.raises(RateLimited) as info:
        client.trigger(target, process.secret, {})
    assert info.value.retry_after == MAX_RETRY_AFTER == 600
    assert "asked to wait" in info.value.message and asked in info.value.message
    assert "waits at most 600 s" in info.value.message


@pytest.mark.parametrize("header", ["-5", "inf", "nan", "1e400", "Infinity"])
def test_retry_after_that_is_not_a_delay_is_ignored(client, emulator, target, process, header):
    emulator.inject(Fault("status", status=429, retry_after=header, method="POST"))
    with pytest.raises(RateLimited) as info:
        client.trigger(target, process.secret, {})
    assert info.value.retry_after is None
    assert "Try again in a minute" in info.value.message


def test_rate_limited_never_carries_more_than_the_bound():
    assert RateLimited("x", retry_after=1e9).retry_after == MAX_RETRY_AFTER
    assert RateLimited("x", retry_after=float("nan")).retry_after is None
    assert RateLimited("x", retry_after=-3).retry_after is None


# --- helpers ---------------------------------------------------------------------------------------------


class _TlsFront:
    """HTTPS on loopback in front of the emulator (which speaks plain HTTP): decrypts each connection
    and passes its bytes on to the emulator and back. Its certificate, for 127.0.0.1, is `cert_file`."""

    def __init__(self, emulator: Emulator, folder: Path) -> None:
        self.cert_file, key_file = _self_signed_certificate(folder)
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(self.cert_file, key_file)
        self._upstream = emulator.base_url.removeprefix("http://").rsplit(":", 1)
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen()
        self.base_url = f"https://127.0.0.1:{self._sock.getsockname()[1]}"
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> _TlsFront:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() below
        self._sock.close()
        self._thread.join(5)

    def _serve(self) -> None:
        while True:
            try:
                raw, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._relay, args=(raw,), daemon=True).start()

    def _relay(self, raw: socket.socket) -> None:
        try:
            outside = self._context.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()  # the client refused the certificate
            return
        inside = socket.create_connection((self._upstream[0], int(self._upstream[1])))
        threading.Thread(target=_pump, args=(inside, outside), daemon=True).start()
        _pump(outside, inside)


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy bytes until either side is done, then close both."""
    with suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    for sock in (source, sink):
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


def _self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "robocloud-desktop test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "front-cert.pem", folder / "front-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class _TricklingServer:
    """Accepts connections and sends a byte every 0.2 s until the client goes away."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen()
        self.port = int(self._sock.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> _TricklingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(5)

    def _serve(self) -> None:
        try:
            conn, _ = self._sock.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(1)
            # A TLS record header (handshake, TLS 1.2) that never gets its body.
            for byte in b"\x16\x03\x03\x40\x00" + b"\x02" * 1000:
                if self._stop.wait(0.2):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
