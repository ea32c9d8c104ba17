"""The Process API client over real loopback HTTP against the emulator.

Every test runs under `secret_guard`: the secret must appear in no log record and no output. Each
error is also checked for the secret in its message, repr and formatted traceback.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
import traceback
from collections.abc import Iterator
from email.utils import formatdate

import pytest

from robocloud_desktop.core.api import NO_RETRY, ProcessApiClient, RetryPolicy
from robocloud_desktop.core.errors import (
    CannotConnect,
    InvalidPayload,
    InvalidTarget,
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
from robocloud_desktop.core.models import Outcome
from robocloud_desktop.core.target import Target
from robocloud_desktop.emulator import Emulator, Fault

FAST = RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2, budget=10)


@pytest.fixture
def client() -> Iterator[ProcessApiClient]:
    with ProcessApiClient(timeout=(2.0, 1.5), retry=FAST) as api:
        yield api


def assert_clean(error: BaseException, *secrets: str) -> None:
    """The error's text, repr and full traceback print carry no secret."""
    texts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    for secret in secrets:
        for text in texts:
            assert secret not in text


def raises(kind: type[ProcessApiError], call, *secrets: str) -> ProcessApiError:  # type: ignore[no-untyped-def]
    with pytest.raises(kind) as info:
        call()
    assert_clean(info.value, *secrets)
    return info.value


# --- the happy path ------------------------------------------------------------------------------


def test_trigger_then_status_follows_the_run_to_completed(client, target, process, emulator):
    run = client.trigger(target, process.secret, {"invoice": 42})
    assert run.run_id and run.work_item_id
    assert emulator.runs_created == 1
    first = client.get_run(target, process.secret, run.run_id)
    assert first.state in ("INI", "IP")
    assert not first.outcome.is_ended
    deadline = time.monotonic() + 10
    status = first
    while not status.outcome.is_ended and time.monotonic() < deadline:
        time.sleep(0.1)
        status = client.get_run(target, process.secret, run.run_id)
    assert (status.state, status.result, status.outcome) == ("COMPL", "OK", Outcome.SUCCEEDED)


def test_failing_payload_ends_failed_with_error_code(client, target, process, emulator):
    run = client.trigger(target, process.secret, {"simulate": "fail", "simulate_duration": 0})
    status = client.get_run(target, process.secret, run.run_id)
    assert (status.state, status.result, status.outcome) == ("COMPL", "ERR", Outcome.FAILED)
    assert status.error_code


def test_secret_travels_in_header_by_default_and_in_query_only_when_asked(client, target, process, emulator):
    client.trigger(target, process.secret, {})
    query_target = Target(target.base_url, target.workspace_id, target.process_id, secret_in_query=True)
    client.trigger(query_target, process.secret, {})
    assert [r.secret_via for r in emulator.requests] == ["header", "query"]


def test_every_request_names_the_app_and_reuses_one_connection(client, target, process, emulator):
    for _ in range(5):
        client.trigger(target, process.secret, {})
    # One keep-alive connection for all five requests.
    assert len({r.client_port for r in emulator.requests}) == 1
    assert all(r.user_agent.startswith("robocloud-desktop/") for r in emulator.requests)


# --- typed errors ----------------------------------------------------------------------------------


def test_wrong_secret_is_secret_rejected(client, target, secret_guard):
    wrong = secret_guard.add("wrong-secret-" + "x" * 30)
    error = raises(SecretRejected, lambda: client.trigger(target, wrong, {}), wrong)
    assert error.status == 401
    assert "secret" in error.message.lower()


def test_unknown_process_and_unknown_run_are_not_found(client, target, process, emulator):
    other = Target(target.base_url, target.workspace_id, "no-such-process")
    error = raises(NotFound, lambda: client.trigger(other, process.secret, {}), process.secret)
    assert error.status == 404
    raises(NotFound, lambda: client.get_run(target, process.secret, "no-such-run"), process.secret)


@pytest.mark.parametrize("status", [400, 409, 413, 415, 422])
def test_payload_rejections_carry_the_servers_message(client, target, process, emulator, status):
    body = '"{\\"error\\": {\\"code\\": \\"BAD_ITEM\\", \\"message\\": \\"Field invoice is required\\"}}"'
    emulator.inject(Fault("status", status=status, body=body))
    error = raises(PayloadRejected, lambda: client.trigger(target, process.secret, {}), process.secret)
    assert error.status == status
    assert "Field invoice is required" in error.message  # unwrapped from JSON encoded twice
    assert emulator.count("POST") == 1


def test_oversized_payload_is_refused_before_sending(client, target, process, emulator):
    error = raises(InvalidPayload, lambda: client.trigger(target, process.secret, {"blob": "x" * 110_000}))
    assert "100 KB" in error.message
    assert emulator.count() == 0


def test_rate_limited_trigger_reports_retry_after(client, target, process, emulator):
    emulator.inject(Fault("status", status=429, retry_after="120", method="POST", times=10))
    error = raises(RateLimited, lambda: client.trigger(target, process.secret, {}), process.secret)
    assert error.retry_after == pytest.approx(120)
    assert "120 s" in error.message
    # 120 s is beyond the retry budget: the client says so at once instead of waiting.
    assert emulator.count("POST") == 1
    assert emulator.runs_created == 0


def test_retry_after_as_http_date_is_read(client, target, process, emulator):
    emulator.inject(Fault("status", status=429, retry_after=formatdate(time.time() + 300, usegmt=True),
                          method="GET", times=10))
    run = client.trigger(target, process.secret, {})
    error = raises(RateLimited, lambda: client.get_run(target, process.secret, run.run_id), process.secret)
    assert error.retry_after == pytest.approx(300, abs=3)


def test_server_error_after_retries(client, target, process, emulator):
    run = client.trigger(target, process.secret, {})
    emulator.inject(Fault("status", status=503, method="GET", times=99))
    error = raises(ServerError, lambda: client.get_run(target, process.secret, run.run_id), process.secret)
    assert error.status == 503
    assert emulator.count("GET") == FAST.attempts


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault("html", status=200, method="GET"), "not the expected JSON"),
        (Fault("empty", method="GET"), "(empty)"),
    ],
)
def test_unreadable_answers_are_unexpected_with_status_and_snippet(client, target, process, emulator,
                                                                   fault, expected):
    run = client.trigger(target, process.secret, {})
    emulator.inject(fault)
    error = raises(UnexpectedAnswer, lambda: client.get_run(target, process.secret, run.run_id, retry=NO_RETRY),
                   process.secret)
    assert "HTTP 200" in error.message
    assert expected in error.message
    assert "<" not in error.message  # HTML tags are stripped from the snippet


def test_html_error_page_from_a_proxy_is_a_server_error_with_a_clean_snippet(client, target, process, emulator):
    emulator.inject(Fault("html", status=502, method="POST"))
    error = raises(ServerError, lambda: client.trigger(target, process.secret, {}), process.secret)
    assert "HTTP 502" in error.message and "Bad Gateway" in error.message and "<" not in error.message
    assert "before triggering again" in error.message


def test_truncated_status_answer_is_retried_then_reported(client, target, process, emulator):
    run = client.trigger(target, process.secret, {})
    emulator.inject(Fault("truncated", method="GET", times=99))
    error = raises(UnexpectedAnswer, lambda: client.get_run(target, process.secret, run.run_id), process.secret)
    assert "cut off" in error.message
    assert emulator.count("GET") == FAST.attempts


def test_status_timeout_after_retries(client, target, process, emulator):
    run = client.trigger(target, process.secret, {})
    emulator.inject(Fault("delay", seconds=1.0, method="GET", times=2))
    with ProcessApiClient(timeout=(2.0, 0.3), retry=FAST) as impatient:  # waits less than the server takes
        error = raises(RequestTimeout, lambda: impatient.get_run(target, process.secret, run.run_id,
                                                                 retry=RetryPolicy(attempts=2, base_delay=0.05)),
                       process.secret)
    assert "did not answer" in error.message


def test_refused_connection_is_cannot_connect(client, process):
    port = _free_port()
    target = Target(f"http://127.0.0.1:{port}", "ws", "pid")
    error = raises(CannotConnect, lambda: client.get_run(target, process.secret, "run"), process.secret)
    assert "refused" in error.message


def test_unknown_host_is_cannot_connect(client, process):
    target = Target("https://api.no-such-region.invalid", "ws", "pid")
    error = raises(CannotConnect, lambda: client.trigger(target, process.secret, {}), process.secret)
    assert "could not be resolved" in error.message


def test_tls_failure_is_cannot_connect(client, emulator, process):
    # An https URL pointing at the plain-http emulator: the handshake fails.
    target = Target(emulator.base_url.replace("http://", "https://"), process.workspace_id, process.process_id)
    error = raises(CannotConnect, lambda: client.trigger(target, process.secret, {}), process.secret)
    assert "TLS" in error.message
    assert emulator.runs_created == 0


# --- retry rules, counted at the emulator -----------------------------------------------------------


def test_status_read_is_retried_through_server_errors(client, target, process, emulator):
    run = client.trigger(target, process.secret, {})
    emulator.inject(Fault("status", status=500, method="GET", times=2))
    status = client.get_run(target, process.secret, run.run_id)
    assert status.run_id == run.run_id
    assert emulator.count("GET") == 3


def test_status_read_is_retried_through_a_dropped_connection(client, target, process, emulator):
    run = client.trigger(target, process.secret, {})
    emulator.inject(Fault("drop", method="GET"))
    assert client.get_run(target, process.secret, run.run_id).run_id == run.run_id
    assert emulator.count("GET") == 2


def test_retry_after_is_honoured_between_status_reads(client, target, process, emulator):
    run = client.trigger(target, process.secret, {})
    emulator.inject(Fault("status", status=429, retry_after="1", method="GET"))
    client.get_run(target, process.secret, run.run_id)
    gets = [r for r in emulator.requests if r.method == "GET"]
    assert len(gets) == 2
    assert gets[1].time - gets[0].time >= 0.95


def test_rate_limited_trigger_is_retried_and_starts_one_run(client, target, process, emulator):
    emulator.inject(Fault("status", status=429, retry_after="0.3", method="POST"))
    client.trigger(target, process.secret, {})
    assert emulator.count("POST") == 2
    assert emulator.runs_created == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_trigger_is_never_resent_after_a_server_error(client, target, process, emulator, status):
    emulator.inject(Fault("status", status=status, method="POST", times=5))
    raises(ServerError, lambda: client.trigger(target, process.secret, {}), process.secret)
    assert emulator.count("POST") == 1


@pytest.mark.parametrize("fault", [Fault("drop", method="POST"), Fault("drop_after_create", method="POST"),
                                   Fault("truncated", method="POST")])
def test_trigger_with_a_lost_answer_is_outcome_unknown_and_never_resent(client, target, process, emulator,
                                                                        fault):
    emulator.inject(fault)
    error = raises(ProcessApiError, lambda: client.trigger(target, process.secret, {}), process.secret)
    assert isinstance(error, OutcomeUnknown | UnexpectedAnswer)
    assert "before triggering again" in error.message
    assert emulator.count("POST") == 1


def test_trigger_that_timed_out_after_sending_is_outcome_unknown(target, process, emulator):
    emulator.inject(Fault("delay", seconds=1.0, method="POST"))
    with ProcessApiClient(timeout=(2.0, 0.3), retry=FAST) as impatient:  # waits less than the server takes
        error = raises(OutcomeUnknown, lambda: impatient.trigger(target, process.secret, {}), process.secret)
    assert "may or may not have started" in error.message
    assert emulator.count("POST") == 1
    _wait_for(lambda: emulator.runs_created == 1)  # the server did start it: that is why we never resend


def test_trigger_is_retried_when_it_never_reached_the_server(secret_guard):
    """A refused connection proves nothing was sent: the trigger goes out again and starts one run."""
    port = _free_port()
    secret = secret_guard.add(secrets.token_urlsafe(32))
    emu = Emulator(port=port, run_duration=0.5)
    emu.add_process(workspace_id="ws-1", process_id="proc-1", secret=secret)
    timer = threading.Timer(0.4, emu.start)  # nothing listens on the port until then
    timer.start()
    policy = RetryPolicy(attempts=10, base_delay=0.2, max_delay=0.3, budget=10)
    try:
        with ProcessApiClient(retry=policy) as api:
            run = api.trigger(Target(f"http://127.0.0.1:{port}", "ws-1", "proc-1"), secret, {})
        assert run.run_id
        assert emu.count("POST") == 1
        assert emu.runs_created == 1
    finally:
        timer.join()
        emu.stop()


# --- https rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://api.eu1.robocloud.eu", "http://10.0.0.5:8080", "ftp://x.example"])
def test_plain_http_to_a_remote_host_is_refused_before_connecting(url):
    with pytest.raises(InvalidTarget) as info:
        Target(url, "ws", "pid")
    assert "https" in info.value.message


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9",
                                 "https://api.eu1.robocloud.eu/"])
def test_https_and_loopback_http_are_accepted(url):
    assert Target(url, "ws", "pid").base_url == url.rstrip("/")


def test_proxy_environment_is_used_for_remote_hosts_but_not_loopback(monkeypatch, client, target, process,
                                                                     emulator):
    proxy = _RecordingProxy()
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    remote = Target("https://api.eu1.robocloud.eu", "ws", "pid")
    raises(CannotConnect, lambda: client.trigger(remote, process.secret, {}), process.secret)
    assert proxy.lines[0].startswith("CONNECT api.eu1.robocloud.eu:443")
    # The emulator on loopback is reached directly, proxy or not.
    client.trigger(target, process.secret, {})
    assert emulator.runs_created == 1
    assert len(proxy.lines) == 1
    proxy.close()


# --- helpers ---------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(condition, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


class _RecordingProxy:
    """Accepts connections, records the request line, and closes: enough to see a proxy was used."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen()
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self.lines: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                data = conn.recv(4096).decode("latin-1")
                self.lines.append(data.split("\r\n", 1)[0])
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def close(self) -> None:
        self._sock.close()
