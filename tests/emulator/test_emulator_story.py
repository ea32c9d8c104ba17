"""A v1 run's story in the emulator over real loopback HTTP: step runs, console messages, artifacts
on the storage host, work items and their batch operations, stopping a run, outputs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from robocloud_desktop.emulator import Emulator, Fault
from tests.support.waiting import wait_for

PERMISSIONS = (
    "Processes.trigger_processes",
    "Processes.read_runs",
    "Processes.read_processes",
    "Processes.read_work_items",
    "Processes.write_work_items",
    "Processes.read_run_outputs",
)
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
LONG = 3600.0  # a run that stays `new` for the whole test
STEP_KEYS = {"id", "state", "state_updated_at", "error", "started_at", "ended_at", "duration", "step"}
ITEM_KEYS = {"id", "created_at", "state", "state_updated_at", "process", "process_run", "step", "step_run", "files",
             "exception"}


@pytest.fixture
def emu(secret_guard) -> Iterator[Emulator]:
    with Emulator(run_duration=1.0) as emulator:
        secret_guard.add(emulator.default_key)
        yield emulator


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"RC-WSKEY {key}"}


def ws_url(emu: Emulator) -> str:
    return f"{emu.v1_base_url}/workspaces/{emu.default_process.workspace_id}"


def get(http: requests.Session, emu: Emulator, rest: str, key: str | None = None, **params: Any) -> requests.Response:
    url = rest if rest.startswith("http") else ws_url(emu) + rest
    return http.get(url, headers=auth(key or emu.default_key), params=params or None, timeout=10)


def post(http: requests.Session, emu: Emulator, rest: str, body: Any, key: str | None = None) -> requests.Response:
    return http.post(ws_url(emu) + rest, headers=auth(key or emu.default_key), json=body, timeout=10)


def ok(response: requests.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def error_of(response: requests.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    return body["error"]["message"]


def all_pages(http: requests.Session, emu: Emulator, rest: str, **params: Any) -> list[dict[str, Any]]:
    pages = [ok(get(http, emu, rest, **params))]
    while pages[-1]["has_more"]:
        assert pages[-1]["next"].startswith(ws_url(emu))
        pages.append(ok(get(http, emu, pages[-1]["next"])))
    assert pages[-1]["next"] is None
    return pages


def run_of(http: requests.Session, emu: Emulator, run_id: str) -> dict[str, Any]:
    return ok(get(http, emu, f"/process-runs/{run_id}"))


def start(emu: Emulator, *payloads: Any, duration: float = 0.0) -> str:
    return emu.start_run(emu.default_process, started_by="api", payloads=list(payloads) or [{}], duration=duration)


def items_of(http: requests.Session, emu: Emulator, run_id: str) -> list[dict[str, Any]]:
    return [i for p in all_pages(http, emu, "/work-items", process_run_id=run_id) for i in p["data"]]


def wait_state(http: requests.Session, emu: Emulator, run_id: str, state: str) -> dict[str, Any]:
    seen: list[dict[str, Any]] = []
    wait_for(lambda: seen.append(run_of(http, emu, run_id)) or seen[-1]["state"] == state)
    return seen[-1]


# -- step runs ------------------------------------------------------------------------------


def test_a_run_has_a_producer_and_a_consumer_step_run(emu, http) -> None:
    run_id = start(emu)
    body = ok(get(http, emu, "/step-runs", process_run_id=run_id))
    assert body["next"] is None and body["has_more"] is False
    steps = body["data"]
    assert [s["step"]["name"] for s in steps] == ["Producer", "Consumer"]
    for step in steps:
        assert set(step) == STEP_KEYS and step["state"] == "completed" and step["error"] is None
        assert all(ISO.match(step[k]) for k in ("state_updated_at", "started_at", "ended_at"))
        assert step["started_at"] <= step["ended_at"] and step["duration"] == 0
        assert ok(get(http, emu, f"/step-runs/{step['id']}")) == step
    assert steps[0]["ended_at"] <= steps[1]["started_at"]
    assert emu.step_runs_of(run_id) == steps


def test_step_ids_belong_to_the_process_and_step_run_ids_to_the_run(emu, http) -> None:
    first, second = emu.step_runs_of(start(emu)), emu.step_runs_of(start(emu))
    assert [s["step"] for s in first] == [s["step"] for s in second]
    assert {s["id"] for s in first}.isdisjoint(s["id"] for s in second)


def test_steps_follow_the_runs_clock(emu, http) -> None:
    run_id = start(emu, {}, duration=1.0)
    seen = []

    def ended() -> bool:
        seen.append(tuple(s["state"] for s in ok(get(http, emu, "/step-runs", process_run_id=run_id))["data"]))
        return seen[-1] == ("completed", "completed")

    wait_for(ended)
    order = [("awaiting_worker", "new"), ("in_progress", "new"), ("completed", "new"),
             ("completed", "in_progress"), ("completed", "completed")]
    assert seen[0] == order[0] and set(seen) <= set(order)
    assert [order.index(s) for s in seen] == sorted(order.index(s) for s in seen)
    assert ("in_progress", "new") in seen and ("completed", "in_progress") in seen


def test_the_consumer_fails_with_the_failed_items_code_when_the_run_ends_unresolved(emu, http) -> None:
    run_id = start(emu, {}, {"simulate": "fail", "simulate_code": "INVOICE_MISSING"})
    assert run_of(http, emu, run_id)["state"] == "unresolved"
    producer, consumer = emu.step_runs_of(run_id)
    assert producer["state"] == "completed" and producer["error"] is None
    assert consumer["state"] == "failed" and consumer["error"] == {"code": "INVOICE_MISSING"}


def test_step_runs_need_a_process_run_of_this_workspace(emu, http) -> None:
    assert "process_run_id" in error_of(get(http, emu, "/step-runs"), 400, "invalid_request")
    other = emu.add_process()
    for run_id in ("no-such-run", emu.start_run(other)):
        error_of(get(http, emu, "/step-runs", process_run_id=run_id), 404, "not_found")
    other_step = emu.step_runs_of(emu.start_run(other))[0]["id"]
    for rest in ("/step-runs/no-such-step-run", f"/step-runs/{other_step}", f"/step-runs/{other_step}/artifacts",
                 f"/step-runs/{other_step}/console-messages"):
        error_of(get(http, emu, rest), 404, "not_found")


# -- console messages -----------------------------------------------------------------------


def test_console_messages_page_over_1500_lines_oldest_first(emu, http) -> None:
    run_id = start(emu, {"simulate": "fail", "simulate_message": "No invoice for order 7",
                         "simulate_console_lines": 1500})
    producer, consumer = emu.step_runs_of(run_id)
    pages = all_pages(http, emu, f"/step-runs/{consumer['id']}/console-messages", limit=1000)
    assert [len(p["data"]) for p in pages] == [100] * 15  # limit is capped at 100
    assert all("limit=100" in p["next"] and "cursor=" in p["next"] for p in pages[:-1])
    lines = [m for p in pages for m in p["data"]]
    assert all(set(m) == {"timestamp", "message"} and ISO.match(m["timestamp"]) for m in lines)
    stamps = [m["timestamp"] for m in lines]
    assert stamps == sorted(stamps) and len(set(stamps)) == 1500
    assert len({m["message"] for m in lines}) == 1500
    assert "started" in lines[0]["message"]
    tail = " ".join(m["message"] for m in lines[-2:])
    assert "EMULATED_FAILURE" in tail and "No invoice for order 7" in tail and "business" in tail
    producer_lines = [m for p in all_pages(http, emu, f"/step-runs/{producer['id']}/console-messages")
                      for m in p["data"]]
    assert len(producer_lines) == 300 and "completed" in producer_lines[-1]["message"]


def test_a_step_that_has_not_started_has_no_console_messages_or_artifacts(emu, http) -> None:
    consumer = emu.step_runs_of(start(emu, duration=LONG))[1]
    for rest in ("console-messages", "artifacts"):
        assert ok(get(http, emu, f"/step-runs/{consumer['id']}/{rest}")) == {"next": None, "has_more": False,
                                                                              "data": []}


@pytest.mark.parametrize("cursor", ["garbage!", "bm90LWEtY3Vyc29y", "YXQ6OTk5OTk="])
def test_a_console_cursor_the_server_did_not_give_is_400(emu, http, cursor) -> None:
    step = emu.step_runs_of(start(emu))[0]["id"]
    response = get(http, emu, f"/step-runs/{step}/console-messages", cursor=cursor)
    assert "cursor" in error_of(response, 400, "invalid_request")


# -- artifacts and the storage host -----------------------------------------------------------


def artifact(http: requests.Session, emu: Emulator, run_id: str, name: str = "log.html",
             step: int = 0) -> tuple[str, dict[str, Any]]:
    step_run = emu.step_runs_of(run_id)[step]["id"]
    listed = ok(get(http, emu, f"/step-runs/{step_run}/artifacts"))
    found = next(a for a in listed["data"] if a["name"] == name)
    return step_run, ok(get(http, emu, f"/step-runs/{step_run}/artifacts/{found['id']}"))


def test_each_step_run_has_a_log_and_an_output_file(emu, http) -> None:
    run_id = start(emu)
    for step in emu.step_runs_of(run_id):
        body = ok(get(http, emu, f"/step-runs/{step['id']}/artifacts"))
        assert body["next"] is None and body["has_more"] is False
        assert [a["name"] for a in body["data"]] == ["log.html", "output.xml"]
        for listed in body["data"]:
            assert set(listed) == {"id", "name", "size"} and 1000 < listed["size"] < 10_000
            one = ok(get(http, emu, f"/step-runs/{step['id']}/artifacts/{listed['id']}"))
            assert set(one) == {"id", "name", "size", "url"} and {k: one[k] for k in listed} == listed
            assert len(emu.artifact_content(step["id"], listed["name"])) == listed["size"]
    error_of(get(http, emu, f"/step-runs/{step['id']}/artifacts/no-such-artifact"), 404, "not_found")


def test_storage_is_another_host_and_serves_the_bytes_without_any_authorization(emu, http) -> None:
    step_run, found = artifact(http, emu, start(emu))
    url = urlsplit(found["url"])
    api = urlsplit(emu.v1_base_url)
    assert (url.scheme, url.hostname) == ("http", "localhost") and api.hostname == "127.0.0.1"
    assert url.port != api.port and found["url"].startswith(emu.storage_base_url + "/storage/")
    assert url.path.endswith("/log.html") and set(parse_qs(url.query)) == {"X-Expires", "X-Signature"}
    downloaded = requests.get(found["url"], timeout=10)
    assert downloaded.status_code == 200 and downloaded.headers["Content-Type"] == "application/octet-stream"
    assert int(downloaded.headers["Content-Length"]) == found["size"] == len(downloaded.content)
    assert downloaded.content == emu.artifact_content(step_run, "log.html")
    assert downloaded.content.startswith(b"<!DOCTYPE html>")
    [record] = emu.storage_requests
    assert (record.method, record.path, record.authorization, record.scheme, record.status) == (
        "GET", url.path, False, None, 200)
    assert emu.count(path_contains="/storage/") == 0  # the API server saw none of it


def test_storage_refuses_a_request_that_carries_the_api_key_and_records_only_its_scheme(emu, http) -> None:
    _, found = artifact(http, emu, start(emu))
    http.headers.update(auth(emu.default_key))  # a client that sends its key everywhere
    response = http.get(found["url"], timeout=10)
    assert response.status_code == 400 and b"InvalidArgument" in response.content
    [record] = emu.storage_requests
    assert record.authorization and record.scheme == "RC-WSKEY" and record.status == 400
    assert emu.default_key not in repr(record)


def test_a_large_artifact_downloads_whole(emu, http) -> None:
    size = 3_000_001
    step_run, found = artifact(http, emu, start(emu, {"simulate_artifact_bytes": size}), step=1)
    assert found["size"] == size
    downloaded = requests.get(found["url"], timeout=10)
    assert len(downloaded.content) == size and downloaded.content == emu.artifact_content(step_run, "log.html")


def test_an_expired_presigned_url_is_403(emu, http) -> None:
    emu.presign_ttl = 0
    _, found = artifact(http, emu, start(emu))
    response = requests.get(found["url"], timeout=10)
    assert response.status_code == 403 and b"expired" in response.content
    assert emu.storage_requests[-1].status == 403


@pytest.mark.parametrize("spoil", ["signature", "expiry", "path", "no query"])
def test_a_url_that_is_not_the_one_signed_is_403(emu, http, spoil) -> None:
    _, found = artifact(http, emu, start(emu))
    url = found["url"]
    query = parse_qs(urlsplit(url).query)
    if spoil == "signature":
        url = url[:-1] + ("0" if url[-1] != "0" else "1")
    elif spoil == "expiry":
        url = url.replace(f"X-Expires={query['X-Expires'][0]}", f"X-Expires={int(query['X-Expires'][0]) + 3600}")
    elif spoil == "path":
        url = url.replace("/log.html?", "/output.xml?")
    else:
        url = url.partition("?")[0]
    response = requests.get(url, timeout=10)
    assert response.status_code == 403 and b"<Error>" in response.content


def test_a_storage_cut_drops_the_download_half_way_and_leaves_the_api_alone(emu, http) -> None:
    run_id = start(emu, {"simulate_artifact_bytes": 200_000})
    emu.inject(Fault("storage_cut", cut_after=6 * 8192))
    _, found = artifact(http, emu, run_id)  # API requests went by: the fault waits for storage
    with requests.get(found["url"], stream=True, timeout=10) as response:
        assert response.status_code == 200 and response.headers["Content-Length"] == "200000"
        received = bytearray()
        with pytest.raises(requests.RequestException):
            for chunk in response.iter_content(8192):
                received += chunk
    assert len(received) == 6 * 8192
    assert emu.storage_requests[-1].fault == "storage_cut"
    assert len(requests.get(found["url"], timeout=10).content) == 200_000  # the fault was used up
    emu.inject(Fault("storage_cut"))
    with pytest.raises(requests.RequestException):
        requests.get(found["url"], timeout=10)
    assert [r.fault for r in emu.requests] == [None] * len(emu.requests)


def test_neither_key_nor_presigned_url_reaches_reprs_or_emulator_logs(emu, http, caplog) -> None:
    _, found = artifact(http, emu, start(emu))
    requests.get(found["url"], timeout=10)
    signature = parse_qs(urlsplit(found["url"]).query)["X-Signature"][0]
    for text in (repr(emu.storage_requests), repr(emu.requests), repr(emu)):
        assert signature not in text and emu.default_key not in text
    assert not [r for r in caplog.records if r.name.startswith("robocloud_desktop")]


# -- work items -------------------------------------------------------------------------------


def test_a_work_item_per_payload_and_the_list_leaves_payloads_out(emu, http) -> None:
    payloads = [{"order": 1}, {"order": 2, "simulate": "fail"}, [1, 2]]
    run_id = start(emu, *payloads)
    listed = items_of(http, emu, run_id)
    assert [i["id"] for i in listed] == list(emu.work_item_states(run_id))
    assert [i["state"] for i in listed] == ["done", "failed", "done"]
    consumer = emu.step_runs_of(run_id)[1]
    for item, payload in zip(listed, payloads, strict=True):
        assert set(item) == ITEM_KEYS and item["files"] == []
        assert item["process_run"] == {"id": run_id} and item["process"] == {"id": emu.default_process.process_id}
        assert item["step_run"] == {"id": consumer["id"]} and item["step"] == {"id": consumer["step"]["id"]}
        assert ISO.match(item["created_at"]) and item["created_at"] <= item["state_updated_at"]
        one = ok(get(http, emu, f"/work-items/{item['id']}"))
        assert one == item | {"payload": payload}


def test_a_failed_item_has_a_business_exception(emu, http) -> None:
    run_id = start(emu, {"simulate": "fail"}, {"simulate": "fail", "simulate_code": "NO_INVOICE",
                                               "simulate_message": "Invoice 42 is missing"})
    default, named = items_of(http, emu, run_id)
    assert default["exception"]["type"] == "business" and default["exception"]["code"] == "EMULATED_FAILURE"
    assert default["exception"]["message"]
    assert named["exception"] == {"code": "NO_INVOICE", "type": "business", "message": "Invoice 42 is missing"}


def test_items_are_new_or_in_progress_until_their_turn_ends(emu, http) -> None:
    run_id = start(emu, {}, {"simulate": "fail"}, duration=0.6)
    seen = []
    wait_for(lambda: seen.append(tuple(emu.work_item_states(run_id).values())) or seen[-1] == ("done", "failed"))
    assert seen[0] == ("new", "new") and ("in_progress", "new") in seen
    assert set(seen) <= {("new", "new"), ("in_progress", "new"), ("done", "new"), ("done", "in_progress"),
                         ("done", "failed")}


def test_the_workspaces_items_page_newest_run_first_with_filters(emu, http) -> None:
    second = emu.add_process(emu.default_process.workspace_id)
    runs = [emu.start_run(process, started_by="api", payloads=[{}] * 20 + [{"simulate": "fail"}], duration=0)
            for process in (emu.default_process, second) * 3]
    emu.start_run(emu.add_process(), payloads=[{}] * 5, duration=0)  # another workspace's
    pages = all_pages(http, emu, "/work-items", limit=7)
    everything = [i for p in pages for i in p["data"]]
    assert len(everything) == len({i["id"] for i in everything}) == 6 * 21
    newest_first = sorted(runs, key=lambda r: (run_of(http, emu, r)["created_at"], r), reverse=True)
    assert [i["process_run"]["id"] for i in everything[::21]] == newest_first
    pages = all_pages(http, emu, "/work-items", limit=8, process_id=second.process_id, state="done")
    assert all("state=done" in p["next"] and f"process_id={second.process_id}" in p["next"] for p in pages[:-1])
    done = [i for p in pages for i in p["data"]]
    assert len(done) == 60 and {i["state"] for i in done} == {"done"}
    failed = ok(get(http, emu, "/work-items", state="failed"))["data"]
    assert len(failed) == 6 and all(i["exception"]["code"] == "EMULATED_FAILURE" for i in failed)
    assert ok(get(http, emu, "/work-items", process_run_id="no-such-run"))["data"] == []


def test_runs_started_while_paging_items_shift_nothing(emu, http) -> None:
    start(emu, *[{}] * 10)
    first = ok(get(http, emu, "/work-items", limit=4))
    start(emu, *[{}] * 3)
    rest = all_pages(http, emu, first["next"])
    seen = [i["id"] for i in first["data"]] + [i["id"] for p in rest for i in p["data"]]
    assert len(seen) == len(set(seen)) == 10


def test_unknown_or_another_workspaces_item_is_404(emu, http) -> None:
    other = emu.start_run(emu.add_process())
    for item_id in ("no-such-item", *emu.work_item_states(other)):
        error_of(get(http, emu, f"/work-items/{item_id}"), 404, "not_found")


# -- batch operations -------------------------------------------------------------------------


def failed_ids(emu: Emulator, run_id: str) -> list[str]:
    return [i for i, state in emu.work_item_states(run_id).items() if state == "failed"]


def batch(http: requests.Session, emu: Emulator, operation: str, ids: list[str]) -> None:
    assert ok(post(http, emu, "/work-items/batch", {"batch_operation": operation, "work_item_ids": ids})) == {
        "accepted": True}


def test_retrying_the_failed_items_brings_an_unresolved_run_to_completed(emu, http) -> None:
    run_id = start(emu, {}, {"simulate": "fail"}, {"simulate": "fail"})
    before = run_of(http, emu, run_id)
    assert before["state"] == "unresolved" and before["ended_at"]
    second, third = failed_ids(emu, run_id)
    batch(http, emu, "retry", [second])
    assert emu.work_item_states(run_id)[second] in ("pending", "in_progress")
    wait_for(lambda: list(emu.work_item_states(run_id).values()) == ["done", "done", "failed"])
    assert run_of(http, emu, run_id)["state"] == "unresolved"
    batch(http, emu, "retry", [third])
    seen = []

    def completed() -> bool:
        seen.append(emu.work_item_states(run_id)[third])
        return emu.run_state(run_id) == "completed"

    wait_for(completed)
    assert seen[0] == "pending" and "in_progress" in seen and seen[-1] == "done"
    after = run_of(http, emu, run_id)
    assert after["state"] == "completed" and after["ended_at"] > before["ended_at"]
    listed = ok(get(http, emu, "/process-runs", state="completed"))["data"]
    assert [r["id"] for r in listed] == [run_id] and listed[0] == after
    assert ok(get(http, emu, "/process-runs", state="unresolved"))["data"] == []
    assert all(i["exception"] is None for i in items_of(http, emu, run_id))


def test_marking_the_failed_items_done_completes_the_run_at_once(emu, http) -> None:
    run_id = start(emu, {"simulate": "fail"}, {})
    batch(http, emu, "mark_as_done", failed_ids(emu, run_id))
    assert list(emu.work_item_states(run_id).values()) == ["done", "done"]
    run = run_of(http, emu, run_id)
    assert run["state"] == "completed" and run["ended_at"]
    assert len(ok(get(http, emu, f"/process-runs/{run_id}/outputs"))["data"]) == 1  # marked done, not processed


def test_deleting_items_removes_them_and_a_run_without_failed_items_completes(emu, http) -> None:
    run_id = start(emu, {}, {"simulate": "fail"}, {})
    doomed = failed_ids(emu, run_id)
    batch(http, emu, "delete", doomed)
    assert doomed[0] not in emu.work_item_states(run_id) and len(emu.work_item_states(run_id)) == 2
    assert doomed[0] not in {i["id"] for i in items_of(http, emu, run_id)}
    error_of(get(http, emu, f"/work-items/{doomed[0]}"), 404, "not_found")
    assert run_of(http, emu, run_id)["state"] == "completed"
    response = post(http, emu, "/work-items/batch", {"batch_operation": "delete", "work_item_ids": doomed})
    assert doomed[0] in error_of(response, 400, "invalid_request")  # deleted: no longer there


def test_retry_or_mark_as_done_of_an_item_that_did_not_fail_is_accepted_and_changes_nothing(emu, http) -> None:
    run_id = start(emu, {}, {"simulate": "fail"})
    states = emu.work_item_states(run_id)
    done = [i for i, state in states.items() if state == "done"]
    for operation in ("retry", "mark_as_done"):
        batch(http, emu, operation, done)
        assert emu.work_item_states(run_id) == states and emu.run_state(run_id) == "unresolved"


@pytest.mark.parametrize("body", [
    None, [], {"batch_operation": "retry"}, {"batch_operation": "resolve", "work_item_ids": ["{id}"]},
    {"batch_operation": "retry", "work_item_ids": []}, {"batch_operation": "retry", "work_item_ids": "{id}"},
    {"batch_operation": "retry", "work_item_ids": [1]}, {"batch_operation": "retry", "work_item_ids": ["nope"]},
    {"batch_operation": "retry", "work_item_ids": ["{id}", "{other}"]},
])
def test_a_batch_that_is_not_well_formed_or_names_unknown_items_is_400(emu, http, body) -> None:
    run_id = start(emu, {"simulate": "fail"})
    item_id, other = failed_ids(emu, run_id)[0], next(iter(emu.work_item_states(emu.start_run(emu.add_process()))))
    if isinstance(body, dict) and "work_item_ids" in body and isinstance(body["work_item_ids"], list):
        body = {**body, "work_item_ids": [{"{id}": item_id, "{other}": other}.get(i, i) for i in body["work_item_ids"]]}
    assert error_of(post(http, emu, "/work-items/batch", body), 400, "invalid_request")
    assert emu.work_item_states(run_id) == {item_id: "failed"}


# -- stopping a run ---------------------------------------------------------------------------


def running(emu: Emulator, items: int = 3) -> str:
    """A run of 2 s whose first item is in progress (the Consumer's turn starts at 1.2 s)."""
    run_id = start(emu, *[{}] * items, duration=2.0)
    wait_for(lambda: next(iter(emu.work_item_states(run_id).values())) == "in_progress")
    return run_id


def stop(http: requests.Session, emu: Emulator, run_id: str, *, terminate: bool, done: bool,
         **extra: Any) -> requests.Response:
    body = {"set_remaining_work_items_as_done": done, "terminate_ongoing_activity_runs": terminate, **extra}
    return post(http, emu, f"/process-runs/{run_id}/stop", body)


def exceptions(http: requests.Session, emu: Emulator, run_id: str) -> list[dict[str, str] | None]:
    return [i["exception"] for i in items_of(http, emu, run_id)]


def test_stop_lets_the_item_in_progress_finish_and_fails_the_rest(emu, http) -> None:
    run_id = running(emu)
    assert ok(stop(http, emu, run_id, terminate=False, done=False, reason="Wrong input file")) == {"accepted": True}
    assert run_of(http, emu, run_id)["state"] == "stopping"
    assert emu.step_runs_of(run_id)[1]["state"] == "in_progress"
    run = wait_state(http, emu, run_id, "unresolved")
    states = list(emu.work_item_states(run_id).values())
    assert states[0] == "done" and states[-1] == "failed"
    last = exceptions(http, emu, run_id)[-1]
    assert last is not None and last["type"] == "orchestrator" and last["code"] == "PROCESS_RUN_STOPPED"
    assert "stopped" in last["message"] and "Wrong input file" in last["message"]
    assert run["ended_at"] and run["duration"] is not None
    assert [s["state"] for s in emu.step_runs_of(run_id)] == ["completed", "failed"]


def test_stop_with_the_remaining_items_set_done_completes_the_run(emu, http) -> None:
    run_id = running(emu)
    ok(stop(http, emu, run_id, terminate=False, done=True))
    wait_state(http, emu, run_id, "completed")
    assert set(emu.work_item_states(run_id).values()) == {"done"}
    outputs = ok(get(http, emu, f"/process-runs/{run_id}/outputs"))["data"]
    assert 1 <= len(outputs) <= 2  # the items the robot processed; the last one was set done unprocessed
    assert [s["state"] for s in emu.step_runs_of(run_id)] == ["completed", "completed"]


def test_terminate_ends_the_run_at_once_and_fails_the_item_in_flight(emu, http) -> None:
    run_id = running(emu)
    ok(stop(http, emu, run_id, terminate=True, done=True))
    run = run_of(http, emu, run_id)
    assert run["state"] == "unresolved" and run["ended_at"]
    failed = [e for e in exceptions(http, emu, run_id) if e is not None]
    assert len(failed) == 1 and failed[0]["type"] == "orchestrator" and failed[0]["code"] == "PROCESS_RUN_TERMINATED"
    assert list(emu.work_item_states(run_id).values())[-1] == "done"
    producer, consumer = emu.step_runs_of(run_id)
    assert producer["state"] == "completed"
    assert consumer["state"] == "failed" and consumer["error"] == {"code": "PROCESS_RUN_TERMINATED"}


def test_terminate_with_the_remaining_items_failed(emu, http) -> None:
    run_id = running(emu)
    ok(stop(http, emu, run_id, terminate=True, done=False))
    assert list(emu.work_item_states(run_id).values())[-1] == "failed"
    assert exceptions(http, emu, run_id)[-1]["type"] == "orchestrator"


def test_a_run_stopped_before_it_started_never_starts(emu, http) -> None:
    emu.stop_seconds = 0.05
    run_id = start(emu, {}, {}, duration=LONG)
    ok(stop(http, emu, run_id, terminate=False, done=False))
    run = wait_state(http, emu, run_id, "unresolved")
    assert run["started_at"] is None and run["duration"] is None and run["ended_at"]
    producer, consumer = emu.step_runs_of(run_id)
    assert producer["state"] == "failed" and producer["error"] == {"code": "PROCESS_RUN_STOPPED"}
    assert consumer["state"] == "new" and consumer["started_at"] is None
    assert set(emu.work_item_states(run_id).values()) == {"failed"}


def test_a_terminate_while_stopping_ends_the_run_at_once(emu, http) -> None:
    run_id = running(emu)
    ok(stop(http, emu, run_id, terminate=False, done=False))
    ok(stop(http, emu, run_id, terminate=False, done=True))  # a second stop changes nothing
    assert run_of(http, emu, run_id)["state"] == "stopping"
    ok(stop(http, emu, run_id, terminate=True, done=False))
    assert run_of(http, emu, run_id)["state"] == "unresolved"


def test_stopping_a_run_that_ended_is_409(emu, http) -> None:
    for run_id in (start(emu), start(emu, {"simulate": "fail"})):
        assert "ended" in error_of(stop(http, emu, run_id, terminate=False, done=False), 409, "conflict")
    assert emu.stop_run(start(emu)) is False


@pytest.mark.parametrize("body", [None, {}, {"set_remaining_work_items_as_done": True},
                                  {"set_remaining_work_items_as_done": "yes", "terminate_ongoing_activity_runs": False},
                                  {"set_remaining_work_items_as_done": True, "terminate_ongoing_activity_runs": False,
                                   "reason": 5}])
def test_a_stop_body_that_is_not_well_formed_is_400(emu, http, body) -> None:
    run_id = start(emu, duration=LONG)
    error_of(post(http, emu, f"/process-runs/{run_id}/stop", body), 400, "invalid_request")
    assert emu.run_state(run_id) == "new"


def test_stopping_an_unknown_or_another_workspaces_run_is_404(emu, http) -> None:
    for run_id in ("no-such-run", emu.start_run(emu.add_process(), duration=LONG)):
        error_of(stop(http, emu, run_id, terminate=True, done=True), 404, "not_found")


# -- outputs ------------------------------------------------------------------------------------


def test_a_run_has_an_output_per_item_done(emu, http) -> None:
    run_id = start(emu, *[{}] * 150, {"simulate": "fail"})
    pages = all_pages(http, emu, f"/process-runs/{run_id}/outputs")
    assert [len(p["data"]) for p in pages] == [100, 50]
    outputs = [o for p in pages for o in p["data"]]
    first = outputs[0]
    assert set(first) == {"id", "created_at", "process", "process_run", "payload", "files"}
    assert first["process"] == {"id": emu.default_process.process_id} and first["process_run"] == {"id": run_id}
    assert ISO.match(first["created_at"]) and first["payload"]
    assert all(set(f) == {"id", "size", "name"} for o in outputs for f in o["files"])
    assert len({o["id"] for o in outputs}) == 150
    error_of(get(http, emu, "/process-runs/no-such-run/outputs"), 404, "not_found")


# -- keys and permissions -----------------------------------------------------------------------

ROUTES = [  # (method, path after the workspace, permission it needs)
    ("GET", "/step-runs?process_run_id={rid}", "Processes.read_processes"),
    ("GET", "/step-runs/{sid}", "Processes.read_runs"),
    ("GET", "/step-runs/{sid}/console-messages", "Processes.read_run_outputs"),
    ("GET", "/step-runs/{sid}/artifacts", "Processes.read_run_outputs"),
    ("GET", "/step-runs/{sid}/artifacts/{aid}", "Processes.read_run_outputs"),
    ("GET", "/work-items", "Processes.read_work_items"),
    ("GET", "/work-items/{wid}", "Processes.read_work_items"),
    ("POST", "/work-items/batch", "Processes.write_work_items"),
    ("POST", "/process-runs/{live}/stop", "Processes.trigger_processes"),
    ("GET", "/process-runs/{rid}/outputs", "Processes.read_work_items"),
]


def call_route(http: requests.Session, emu: Emulator, method: str, rest: str, key: str) -> requests.Response:
    run_id = start(emu, {"simulate": "fail"})
    step_run = emu.step_runs_of(run_id)[0]["id"]
    artifact_id = ok(get(http, emu, f"/step-runs/{step_run}/artifacts"))["data"][0]["id"]
    item_id = next(iter(emu.work_item_states(run_id)))
    path = rest.format(rid=run_id, sid=step_run, aid=artifact_id, wid=item_id, live=start(emu, duration=LONG))
    body = None
    if path.endswith("/batch"):
        body = {"batch_operation": "mark_as_done", "work_item_ids": [item_id]}
    elif path.endswith("/stop"):
        body = {"set_remaining_work_items_as_done": False, "terminate_ongoing_activity_runs": True}
    return http.request(method, ws_url(emu) + path, headers=auth(key), json=body, timeout=10)


@pytest.mark.parametrize(("method", "rest", "permission"), ROUTES)
def test_a_key_without_the_routes_permission_is_403_naming_it(emu, http, secret_guard, method, rest,
                                                              permission) -> None:
    lacking = secret_guard.add(emu.add_key(permissions=[p for p in PERMISSIONS if p != permission]))
    message = error_of(call_route(http, emu, method, rest, lacking), 403, "forbidden")
    assert message == f"The API key lacks the permission {permission}"
    emu.name_permission_in_403 = False
    message = error_of(call_route(http, emu, method, rest, lacking), 403, "forbidden")
    assert "Processes." not in message
    only = secret_guard.add(emu.add_key(permissions=[permission]))
    assert call_route(http, emu, method, rest, only).status_code == 200


@pytest.mark.parametrize(("method", "rest", "permission"), ROUTES)
def test_a_key_of_another_workspace_is_401(emu, http, secret_guard, method, rest, permission) -> None:
    other = secret_guard.add(emu.add_key(emu.add_process().workspace_id))
    error_of(call_route(http, emu, method, rest, other), 401, "unauthorized")


@pytest.mark.parametrize(("method", "rest", "allowed"), [
    ("GET", "/work-items/batch", "POST"), ("GET", "/process-runs/r/stop", "POST"),
    ("POST", "/step-runs/s/console-messages", "GET"), ("DELETE", "/work-items/w", "GET")])
def test_wrong_method_is_405_with_allow(emu, http, method, rest, allowed) -> None:
    response = http.request(method, ws_url(emu) + rest, headers=auth(emu.default_key), timeout=10)
    error_of(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == allowed
