"""The Process API emulator over real loopback HTTP."""

from __future__ import annotations

import http.client
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from robocloud_desktop.emulator import EmulatedProcess, Emulator, Fault

SECRET_HEADER = "robocloud-process-secret"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(run_duration=1.0) as emulator:
        yield emulator


def runs_path(process: EmulatedProcess, run_id: str | None = None) -> str:
    path = f"/workspace-v1/workspaces/{process.workspace_id}/processes/{process.process_id}/runs"
    return f"{path}/{run_id}" if run_id else path


def connect(emu: Emulator, timeout: float = 5.0) -> http.client.HTTPConnection:
    host, port = emu.base_url.removeprefix("http://").rsplit(":", 1)
    return http.client.HTTPConnection(host, int(port), timeout=timeout)


def call(
    emu: Emulator,
    method: str,
    path: str,
    *,
    secret: str | None = None,
    body: bytes | None = None,
    timeout: float = 5.0,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    conn = connect(emu, timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def trigger(emu: Emulator, payload: Any = None, process: EmulatedProcess | None = None) -> dict[str, Any]:
    process = process or emu.default_process
    body = json.dumps(payload if payload is not None else {}).encode()
    status, _, data = call(emu, "POST", runs_path(process), secret=process.secret, body=body)
    assert status == 200, data
    return json.loads(data)


def get_run(emu: Emulator, run_id: str, process: EmulatedProcess | None = None) -> dict[str, Any]:
    process = process or emu.default_process
    status, _, data = call(emu, "GET", runs_path(process, run_id), secret=process.secret)
    assert status == 200, data
    return json.loads(data)


def read_raw(emu: Emulator, request: bytes) -> bytes:
    """Send `request` as is and read until the emulator closes the connection."""
    host, port = emu.base_url.removeprefix("http://").rsplit(":", 1)
    chunks = []
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        time.sleep(0.01)


def poll_until_state(
    emu: Emulator, run_id: str, states: set[str], timeout: float = 5.0
) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def done() -> bool:
        seen.append(get_run(emu, run_id))
        return seen[-1]["state"] in states

    wait_for(done, timeout)
    return seen


# -- the happy path -------------------------------------------------------------------------


def test_trigger_answers_with_ids(emu: Emulator) -> None:
    answer = trigger(emu, {"workItemKey": "workItemValue"})
    process = emu.default_process
    assert answer["message"] == "OK"
    assert answer["workspaceId"] == process.workspace_id
    assert answer["processId"] == process.process_id
    assert len(answer["processRunId"]) == 36 and len(answer["workItemId"]) == 36
    assert emu.runs_created == 1


def test_run_goes_ini_then_ip_then_compl_ok(emu: Emulator) -> None:
    # 1.5 s leaves 0.3 s of INI, room enough for the first poll on a busy machine.
    process = emu.add_process(run_duration=1.5)
    run_id = trigger(emu, process=process)["processRunId"]
    seen: list[dict[str, Any]] = []

    def done() -> bool:
        seen.append(get_run(emu, run_id, process))
        return seen[-1]["state"] == "COMPL"

    wait_for(done)
    states = [s["state"] for s in seen]
    assert states[0] == "INI"
    assert "IP" in states
    assert states.index("IP") > states.index("INI")
    assert all(s["result"] == "" for s in seen[:-1])
    assert seen[-1] == {
        "id": run_id,
        "result": "OK",
        "state": "COMPL",
        "errorCode": "",
        "duration": 2,
        "workspaceId": process.workspace_id,
    }


def test_zero_duration_run_is_complete_at_once(emu: Emulator) -> None:
    process = emu.add_process(run_duration=0)
    run_id = trigger(emu, process=process)["processRunId"]
    status = get_run(emu, run_id, process)
    assert (status["state"], status["result"], status["duration"]) == ("COMPL", "OK", 0)


@pytest.mark.parametrize(
    ("simulate", "state", "result", "error_code"),
    [
        ("fail", "COMPL", "ERR", "EMULATED_FAILURE"),
        ("pending", "PENDING", "ERR", ""),
        ("state:STOPPING", "STOPPING", "", ""),
    ],
)
def test_simulated_outcomes(emu: Emulator, simulate: str, state: str, result: str, error_code: str) -> None:
    run_id = trigger(emu, {"simulate": simulate, "simulate_duration": 0.3})["processRunId"]
    final = poll_until_state(emu, run_id, {state})[-1]
    assert (final["state"], final["result"], final["errorCode"], final["duration"]) == (
        state,
        result,
        error_code,
        0,
    )


def test_empty_body_starts_a_run(emu: Emulator) -> None:
    process = emu.default_process
    status, _, data = call(emu, "POST", runs_path(process), secret=process.secret)
    assert status == 200 and json.loads(data)["message"] == "OK"


def test_secret_in_query_works_and_is_not_recorded(emu: Emulator) -> None:
    process = emu.default_process
    status, _, _ = call(emu, "POST", f"{runs_path(process)}?{SECRET_HEADER}={process.secret}", body=b"{}")
    assert status == 200
    (record,) = emu.requests
    assert record.secret_via == "query"
    assert record.path == runs_path(process)
    assert process.secret not in repr(record)


# -- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [None, "", "wrong-secret"])
def test_wrong_or_missing_secret_is_401(emu: Emulator, secret: str | None) -> None:
    status, _, data = call(emu, "POST", runs_path(emu.default_process), secret=secret, body=b"{}")
    assert status == 401
    assert json.loads(data)["error"]["code"] == "UNAUTHORIZED"
    assert emu.runs_created == 0
    assert emu.requests[0].secret_via == (None if secret is None else "header")


def test_unknown_process_and_run_are_404(emu: Emulator) -> None:
    process = emu.default_process
    unknown = EmulatedProcess(process.workspace_id, "no-such-process", process.secret)
    status, _, data = call(emu, "POST", runs_path(unknown), secret=process.secret, body=b"{}")
    assert status == 404
    assert json.loads(data) == {"error": {"code": "NOT_FOUND", "message": "Process not found"}}
    status, _, _ = call(emu, "GET", runs_path(process, "no-such-run"), secret=process.secret)
    assert status == 404


def test_run_of_another_process_is_404(emu: Emulator) -> None:
    other = emu.add_process()
    run_id = trigger(emu, process=other)["processRunId"]
    process = emu.default_process
    status, _, _ = call(emu, "GET", runs_path(process, run_id), secret=process.secret)
    assert status == 404


def test_other_paths_and_methods(emu: Emulator) -> None:
    process = emu.default_process
    assert call(emu, "GET", "/nothing/here")[0] == 404
    status, headers, _ = call(emu, "PUT", runs_path(process), secret=process.secret, body=b"{}")
    assert status == 405 and headers["Allow"]
    assert call(emu, "DELETE", runs_path(process, "x"), secret=process.secret)[0] == 405
    assert call(emu, "GET", runs_path(process), secret=process.secret)[0] == 405


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"42", b"{not json", b"\xff\xfe{"])
def test_payload_that_is_not_a_json_object_is_400(emu: Emulator, body: bytes) -> None:
    process = emu.default_process
    status, _, data = call(emu, "POST", runs_path(process), secret=process.secret, body=body)
    assert status == 400
    assert json.loads(data)["error"]["code"] == "INVALID_PAYLOAD"
    assert emu.runs_created == 0


def test_payload_limit_is_100_kb(emu: Emulator) -> None:
    process = emu.default_process
    filler = 100 * 1024 - len(b'{"a": ""}')
    at_limit = json.dumps({"a": "x" * filler}).encode()
    assert len(at_limit) == 100 * 1024
    assert call(emu, "POST", runs_path(process), secret=process.secret, body=at_limit)[0] == 200
    over = json.dumps({"a": "x" * (filler + 1)}).encode()
    status, _, data = call(emu, "POST", runs_path(process), secret=process.secret, body=over)
    assert status == 413
    assert json.loads(data)["message"].startswith("Payload too large")
    assert emu.runs_created == 1


# -- faults ---------------------------------------------------------------------------------


def post_default(emu: Emulator, timeout: float = 5.0) -> tuple[int, http.client.HTTPMessage, bytes]:
    process = emu.default_process
    return call(emu, "POST", runs_path(process), secret=process.secret, body=b"{}", timeout=timeout)


def test_fault_status_with_retry_after(emu: Emulator) -> None:
    emu.inject(Fault("status", status=429, retry_after="2"))
    status, headers, data = post_default(emu)
    assert status == 429 and headers["Retry-After"] == "2"
    assert json.loads(data)["error"]["code"] == "TOO_MANY_REQUESTS"
    assert emu.runs_created == 0
    assert post_default(emu)[0] == 200  # used up after one request
    assert [(r.status, r.fault) for r in emu.requests] == [(429, "status"), (200, None)]


def test_fault_status_with_own_body(emu: Emulator) -> None:
    emu.inject(Fault("status", status=500, body="plain failure"))
    status, headers, data = post_default(emu)
    assert (status, data) == (500, b"plain failure")
    assert headers["Content-Type"].startswith("text/plain")


def test_fault_html(emu: Emulator) -> None:
    emu.inject(Fault("html", status=502))
    status, headers, data = post_default(emu)
    assert status == 502
    assert headers["Content-Type"].startswith("text/html")
    assert b"<h1>502 Bad Gateway</h1>" in data
    assert emu.runs_created == 0


def test_fault_drop(emu: Emulator) -> None:
    emu.inject(Fault("drop"))
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        post_default(emu)
    assert emu.runs_created == 0
    (record,) = emu.requests
    assert (record.status, record.fault) == (0, "drop")


def test_fault_drop_after_create_starts_a_run(emu: Emulator) -> None:
    emu.inject(Fault("drop_after_create", method="POST"))
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        post_default(emu)
    assert emu.runs_created == 1
    assert emu.requests[0].fault == "drop_after_create"


def test_fault_empty(emu: Emulator) -> None:
    emu.inject(Fault("empty"))
    status, headers, data = post_default(emu)
    assert (status, data, headers["Content-Length"]) == (200, b"", "0")
    assert emu.runs_created == 0


def test_fault_truncated(emu: Emulator) -> None:
    emu.inject(Fault("truncated"))
    with pytest.raises(http.client.IncompleteRead):
        post_default(emu)
    assert emu.runs_created == 0
    assert emu.requests[0].fault == "truncated"


def test_fault_delay_creates_the_run_after_a_client_timeout(emu: Emulator) -> None:
    emu.inject(Fault("delay", seconds=0.5))
    with pytest.raises(TimeoutError):
        post_default(emu, timeout=0.1)
    wait_for(lambda: emu.runs_created == 1)
    assert emu.requests[0].fault == "delay"


def test_faults_respect_method_times_and_order(emu: Emulator) -> None:
    process = emu.default_process
    emu.inject(Fault("status", status=503, method="GET", times=2))
    emu.inject(Fault("status", status=500))
    assert post_default(emu)[0] == 500  # the GET-only fault is skipped, the next one applies
    run_id = trigger(emu)["processRunId"]
    for _ in range(2):
        assert call(emu, "GET", runs_path(process, run_id), secret=process.secret)[0] == 503
    assert call(emu, "GET", runs_path(process, run_id), secret=process.secret)[0] == 200
    assert emu.count("GET") == 3 and emu.count("POST") == 2
    assert emu.count(path_contains=run_id) == 3
    assert [r.fault for r in emu.requests] == ["status", None, "status", "status", None]


def test_latency_is_added_to_every_answer(emu: Emulator) -> None:
    emu.latency = 0.2
    started = time.monotonic()
    post_default(emu)
    assert time.monotonic() - started >= 0.2


def test_fault_status_headers_replace_the_emulators_own(emu: Emulator) -> None:
    emu.inject(Fault("status", status=200, body=b"\xff{}", headers=(("Content-Type", "text/x-odd"),
                                                                    ("Content-Length", "99"), ("X-Extra", "1"))))
    conn = connect(emu, timeout=5)
    try:
        conn.request("POST", runs_path(emu.default_process), body=b"{}")
        response = conn.getresponse()
        assert response.status == 200
        assert response.headers.get_all("Content-Type") == ["text/x-odd"]
        assert response.headers.get_all("Content-Length") == ["99"]
        assert response.headers["X-Extra"] == "1"
        # Content-Length promises 99 bytes; 3 come and the emulator waits for the next request.
        assert response.read(3) == b"\xff{}"
    finally:
        conn.close()


def test_fault_raw_sends_its_bytes_as_the_whole_answer_and_closes(emu: Emulator) -> None:
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: \xb2\r\nX-Note: raw\r\n\r\n{}"
    emu.inject(Fault("raw", body=answer))
    received = read_raw(emu, b"POST " + runs_path(emu.default_process).encode() + b" HTTP/1.1\r\n"
                        b"Host: x\r\nContent-Length: 2\r\n\r\n{}")
    assert received == answer
    assert emu.runs_created == 0
    assert emu.requests[0].fault == "raw"


@pytest.mark.parametrize("where", ["status", "headers", "body"])
def test_fault_trickle_sends_a_byte_at_a_time_from_where_it_says(emu: Emulator, where: str) -> None:
    process = emu.default_process
    emu.inject(Fault("trickle", seconds=0.3, where=where, method="POST"))
    with socket.create_connection(emu.base_url.removeprefix("http://").rsplit(":", 1), timeout=5) as sock:
        sock.sendall(b"POST " + runs_path(process).encode() + b" HTTP/1.1\r\nHost: x\r\n"
                     + SECRET_HEADER.encode() + b": " + process.secret.encode() + b"\r\nContent-Length: 2\r\n\r\n{}")
        first = sock.recv(65536)
        second = sock.recv(65536)
    # What comes before `where` arrives in one piece, then single bytes with pauses between them.
    if where == "status":
        assert first == b"H"
    elif where == "headers":
        assert first == b"HTTP/1.1 200 OK\r\n"
    else:
        assert first.startswith(b"HTTP/1.1 200 OK\r\n") and first.endswith(b"\r\n\r\n")
    assert len(second) == 1
    # The trigger behind the trickle was real: the run exists.
    assert emu.runs_created == 1
    assert emu.requests[0].fault == "trickle"


def test_fault_trickle_delivers_the_whole_answer_in_the_end(emu: Emulator) -> None:
    emu.inject(Fault("trickle", seconds=0.001, where="status", method="POST"))
    status, _, data = post_default(emu)
    assert status == 200 and json.loads(data)["message"] == "OK"
    assert emu.runs_created == 1


def test_a_client_resetting_its_connection_is_not_reported_as_an_error(emu: Emulator, capsys) -> None:
    host, port = emu.base_url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.recv(1)  # most of the answer left unread
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
    # The emulator's handler notices on its next read, and is done with the connection.
    wait_for(lambda: emu.open_connections == 0)
    assert "Traceback" not in capsys.readouterr().err


def test_fault_keeps_body_and_headers_out_of_its_repr() -> None:
    fault = Fault("status", status=200, body="echo: s3cr3t-in-body", headers=(("X-Echo", "s3cr3t-in-header"),))
    assert "s3cr3t" not in repr(fault)


def test_bad_fault_is_refused() -> None:
    with pytest.raises(ValueError):
        Fault("explode")
    with pytest.raises(ValueError):
        Fault("status", times=0)
    with pytest.raises(ValueError):
        Fault("trickle", where="trailer")
    with pytest.raises(ValueError):
        Fault("raw")
    with pytest.raises(ValueError):
        Fault("status", headers=(("X-Split", "a\r\nX-Injected: b"),))
    with pytest.raises(ValueError):
        Fault("status", headers=(("Bad Name", "x"),))


# -- secrets stay out of output -------------------------------------------------------------


def test_secret_stays_out_of_reprs(emu: Emulator) -> None:
    process = emu.add_process(secret="s3cr3t-value-that-must-not-show-up-anywhere-0123")
    assert len(emu.default_process.secret) >= 40
    assert process.secret not in repr(process)
    assert emu.default_process.secret not in repr(emu.default_process)
    trigger(emu, process=process)
    call(emu, "GET", f"{runs_path(process, 'x')}?{SECRET_HEADER}={process.secret}")
    assert len(emu.requests) == 2
    for record in emu.requests:
        assert process.secret not in repr(record)


# -- load and life --------------------------------------------------------------------------


def test_200_concurrent_gets_are_all_answered(emu: Emulator) -> None:
    process = emu.default_process
    run_id = trigger(emu)["processRunId"]
    emu.clear_requests()
    gate = threading.Barrier(200)

    def one() -> int:
        gate.wait(timeout=10)
        return call(emu, "GET", runs_path(process, run_id), secret=process.secret)[0]

    with ThreadPoolExecutor(max_workers=200) as pool:
        statuses = list(pool.map(lambda _: one(), range(200)))
    assert statuses == [200] * 200
    assert emu.count("GET") == 200


def test_stats_count_requests_by_method_and_runs_but_not_themselves(emu: Emulator) -> None:
    run_id = trigger(emu)["processRunId"]
    get_run(emu, run_id)
    get_run(emu, run_id)
    call(emu, "GET", "/nothing/here")
    emu.clear_requests()  # the stats are totals since start
    for _ in range(2):
        status, _, data = call(emu, "GET", "/_emulator/stats")
        assert status == 200
        assert json.loads(data) == {"requests": {"GET": 3, "POST": 1}, "runs": 1}


def test_clear_requests(emu: Emulator) -> None:
    post_default(emu)
    emu.clear_requests()
    assert emu.requests == [] and emu.count() == 0
    assert emu.runs_created == 1


def test_stop_is_idempotent_and_closes_the_port() -> None:
    emu = Emulator().start()
    host, port = emu.base_url.removeprefix("http://").rsplit(":", 1)
    idle = connect(emu)
    idle.connect()  # an open keep-alive connection must not keep stop() waiting
    try:
        emu.stop()
        emu.stop()
    finally:
        idle.close()
    with pytest.raises(RuntimeError):
        _ = emu.base_url
    with pytest.raises(OSError), socket.create_connection((host, int(port)), timeout=1):
        pass
