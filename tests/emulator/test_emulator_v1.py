"""Control Room API v1 of the emulator over real loopback HTTP (plain `requests`, not the app's client)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import requests

from robocloud_desktop.emulator import EmulatedProcess, Emulator, Fault
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


@pytest.fixture
def emu(secret_guard) -> Iterator[Emulator]:
    with Emulator(run_duration=1.0) as emulator:
        secret_guard.add(emulator.default_key)
        yield emulator


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def auth(key: str | None) -> dict[str, str]:
    return {} if key is None else {"Authorization": f"RC-WSKEY {key}"}


def ws_url(emu: Emulator, workspace_id: str | None = None) -> str:
    return f"{emu.v1_base_url}/workspaces/{workspace_id or emu.default_process.workspace_id}"


def trigger_url(emu: Emulator, process: EmulatedProcess | None = None) -> str:
    process = process or emu.default_process
    return f"{ws_url(emu, process.workspace_id)}/processes/{process.process_id}/process-runs"


def get(http: requests.Session, url: str, key: str, **params: Any) -> requests.Response:
    return http.get(url, headers=auth(key), params=params or None, timeout=10)


def ok(response: requests.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def trigger(http: requests.Session, emu: Emulator, body: Any = None, process: EmulatedProcess | None = None,
            key: str | None = None) -> requests.Response:
    data = None if body is None else json.dumps(body)
    return http.post(trigger_url(emu, process), headers=auth(key or emu.default_key), data=data, timeout=10)


def run_of(http: requests.Session, emu: Emulator, run_id: str, key: str | None = None) -> dict[str, Any]:
    return ok(get(http, f"{ws_url(emu)}/process-runs/{run_id}", key or emu.default_key))


def error_of(response: requests.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    return body["error"]["message"]


# -- the routes' shapes ---------------------------------------------------------------------


def test_v1_base_url_is_under_the_base_url_and_needs_a_running_emulator() -> None:
    emulator = Emulator()
    with pytest.raises(RuntimeError):
        _ = emulator.v1_base_url
    with emulator:
        assert emulator.v1_base_url == emulator.base_url + "/api/v1"


def test_workspace_answers_its_id_name_and_organization(emu, http) -> None:
    body = ok(get(http, ws_url(emu), emu.default_key))
    assert body["id"] == emu.default_process.workspace_id
    assert body["name"] and set(body["organization"]) == {"id", "name"}


def test_processes_lists_the_workspaces_processes_with_names(emu, http) -> None:
    second = emu.add_process(emu.default_process.workspace_id, name="Invoices")
    emu.add_process()  # another workspace's process stays out of the list
    body = ok(get(http, f"{ws_url(emu)}/processes", emu.default_key))
    assert set(body) == {"data"}
    assert [(p["id"], p["name"]) for p in body["data"]] == [
        (emu.default_process.process_id, "Process 1"), (second.process_id, "Invoices")]
    assert all(ISO.match(p["created_at"]) for p in body["data"])


def test_a_process_replaced_to_rotate_its_secret_keeps_its_name(emu) -> None:
    process = emu.default_process
    again = emu.add_process(process.workspace_id, process.process_id, secret="rotated-secret-0123456789")
    assert again.name == "Process 1"


def test_trigger_answers_started_and_the_run_reads_as_a_process_run(emu, http) -> None:
    answer = ok(trigger(http, emu, {}))
    assert answer == {"started": True, "id": answer["id"]}
    run = run_of(http, emu, answer["id"])
    process = emu.default_process
    assert set(run) == {"id", "state", "created_at", "started_at", "ended_at", "process", "started_by", "duration"}
    assert run["id"] == answer["id"] and run["state"] in ("new", "in_progress")
    assert run["process"] == {"id": process.process_id, "name": process.name}
    assert run["started_by"] == {"type": "api", "details": None}
    assert ISO.match(run["created_at"]) and run["ended_at"] is None


def test_runs_list_shape(emu, http) -> None:
    run_id = ok(trigger(http, emu))["id"]
    body = ok(get(http, f"{ws_url(emu)}/process-runs", emu.default_key))
    assert body["next"] is None and body["has_more"] is False
    assert [r["id"] for r in body["data"]] == [run_id]
    assert body["data"][0] == run_of(http, emu, run_id) | {"duration": body["data"][0]["duration"]}


def test_a_run_of_either_api_is_readable_through_the_other(emu, http) -> None:
    process = emu.default_process
    legacy = f"{emu.base_url}/workspace-v1/workspaces/{process.workspace_id}/processes/{process.process_id}/runs"
    secret = {"robocloud-process-secret": process.secret}
    old_id = ok(http.post(legacy, headers=secret, json={"a": 1}, timeout=10))["processRunId"]
    assert run_of(http, emu, old_id)["started_by"] == {"type": "api", "details": None}
    new_id = ok(trigger(http, emu))["id"]
    assert ok(http.get(f"{legacy}/{new_id}", headers=secret, timeout=10))["state"] in ("INI", "IP")


def test_unknown_run_and_another_workspaces_run_are_404(emu, http) -> None:
    other = emu.add_process()
    other_run = emu.start_run(other)
    for run_id in ("no-such-run", other_run):
        error_of(get(http, f"{ws_url(emu)}/process-runs/{run_id}", emu.default_key), 404, "not_found")


def test_triggering_an_unknown_process_or_another_workspaces_is_404(emu, http) -> None:
    other = emu.add_process()
    for process_id in ("no-such-process", other.process_id):
        url = f"{ws_url(emu)}/processes/{process_id}/process-runs"
        error_of(http.post(url, headers=auth(emu.default_key), timeout=10), 404, "not_found")
    assert emu.runs_created == 0


@pytest.mark.parametrize("rest", ["/process-runs/r/nothing", "/work-items/w/x", "/step-runs/s/artifacts/a/b",
                                  "/processes/p", "/nothing"])
def test_paths_that_are_no_route_are_404(emu, http, rest) -> None:
    error_of(get(http, ws_url(emu) + rest, emu.default_key), 404, "not_found")


def test_wrong_method_is_405_with_allow(emu, http) -> None:
    response = http.delete(f"{ws_url(emu)}/process-runs", headers=auth(emu.default_key), timeout=10)
    error_of(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "GET"
    response = http.get(trigger_url(emu), headers=auth(emu.default_key), timeout=10)
    assert response.status_code == 405 and response.headers["Allow"] == "POST"


# -- keys -----------------------------------------------------------------------------------

ROUTES = [  # (method, path after the workspace, permission it needs)
    ("GET", "/processes", "Processes.read_processes"),
    ("POST", "/processes/{pid}/process-runs", "Processes.trigger_processes"),
    ("GET", "/process-runs", "Processes.read_runs"),
    ("GET", "/process-runs/{rid}", "Processes.read_runs"),
]


def call_route(http: requests.Session, emu: Emulator, method: str, rest: str, key: str | None,
               headers: dict[str, str] | None = None) -> requests.Response:
    run_id = emu.start_run(emu.default_process)
    url = ws_url(emu) + rest.format(pid=emu.default_process.process_id, rid=run_id)
    return http.request(method, url, headers=headers if headers is not None else auth(key), timeout=10)


@pytest.mark.parametrize(("method", "rest", "permission"), [*ROUTES, ("GET", "", None)])
@pytest.mark.parametrize("how", ["missing", "unknown", "revoked", "other workspace", "bearer", "empty"])
def test_a_key_that_opens_nothing_here_is_401(emu, http, secret_guard, method, rest, permission, how) -> None:
    other = emu.add_process()
    key = secret_guard.add({
        "unknown": "not-a-key-" + "x" * 30, "revoked": emu.add_key(), "other workspace": emu.add_key(other.workspace_id),
    }.get(how, emu.default_key))
    if how == "revoked":
        emu.revoke_key(key)
    headers = {"missing": {}, "bearer": {"Authorization": f"Bearer {key}"},
               "empty": {"Authorization": "RC-WSKEY "}}.get(how, auth(key))
    runs_before = emu.runs_created
    response = call_route(http, emu, method, rest, key, headers)
    message = error_of(response, 401, "unauthorized")
    assert key not in message and message
    if how == "other workspace":
        assert "workspace" in message
    assert emu.runs_created == runs_before + 1  # only call_route's own run


@pytest.mark.parametrize(("method", "rest", "permission"), ROUTES)
def test_a_key_without_the_routes_permission_is_403_naming_it(emu, http, method, rest, permission) -> None:
    lacking = emu.add_key(permissions=[p for p in PERMISSIONS if p != permission])
    message = error_of(call_route(http, emu, method, rest, lacking), 403, "forbidden")
    assert message == f"The API key lacks the permission {permission}"
    emu.name_permission_in_403 = False
    message = error_of(call_route(http, emu, method, rest, lacking), 403, "forbidden")
    assert "Processes." not in message and "permission" in message
    only = emu.add_key(permissions=[permission])
    assert call_route(http, emu, method, rest, only).status_code == 200


def test_the_workspace_needs_a_valid_key_but_no_permission(emu, http) -> None:
    assert get(http, ws_url(emu), emu.add_key(permissions=[])).status_code == 200


def test_a_key_is_random_and_unknown_permissions_are_refused(emu) -> None:
    assert emu.add_key() != emu.add_key() and len(emu.default_key) >= 40
    with pytest.raises(ValueError):
        emu.add_key(permissions=["Processes.everything"])


def test_a_v1_request_records_the_authorization_and_never_the_key(emu, http) -> None:
    get(http, ws_url(emu), emu.default_key)
    get(http, ws_url(emu), None)
    assert [r.secret_via for r in emu.requests] == ["authorization", None]
    assert all(emu.default_key not in repr(r) for r in emu.requests)


# -- paging ---------------------------------------------------------------------------------


def all_pages(http: requests.Session, first: str, key: str) -> list[dict[str, Any]]:
    pages, url = [], first
    while url:
        pages.append(ok(http.get(url, headers=auth(key), timeout=10)))
        assert pages[-1]["has_more"] == (pages[-1]["next"] is not None)
        url = pages[-1]["next"]
    return pages


def newest_first(runs: list[dict[str, Any]]) -> bool:
    keys = [(r["created_at"], r["id"]) for r in runs]
    return keys == sorted(keys, reverse=True)


def test_1200_runs_page_by_100_each_exactly_once_newest_first(emu, http) -> None:
    second = emu.add_process(emu.default_process.workspace_id)
    ids = {emu.start_run(process, duration=LONG) for _ in range(600) for process in (emu.default_process, second)}
    ids |= {ok(trigger(http, emu))["id"] for _ in range(5)}
    pages = all_pages(http, f"{ws_url(emu)}/process-runs", emu.default_key)
    assert [len(p["data"]) for p in pages] == [100] * 12 + [5]
    runs = [r for p in pages for r in p["data"]]
    assert {r["started_by"]["type"] for r in pages[0]["data"][:5]} == {"api"}  # triggered last
    assert len(runs) == len({r["id"] for r in runs}) == 1205 and {r["id"] for r in runs} == ids
    assert newest_first(runs)
    for page in pages[:-1]:
        assert page["next"].startswith(f"{ws_url(emu)}/process-runs?") and "cursor=" in page["next"]


def test_a_list_that_fills_its_last_page_exactly_has_no_empty_page_after_it(emu, http) -> None:
    for _ in range(6):
        emu.start_run(emu.default_process)
    pages = all_pages(http, f"{ws_url(emu)}/process-runs?limit=3", emu.default_key)
    assert [len(p["data"]) for p in pages] == [3, 3] and pages[-1]["has_more"] is False


def test_runs_started_while_paging_neither_repeat_nor_shift_the_pages(emu, http) -> None:
    old = [emu.start_run(emu.default_process) for _ in range(5)]
    first = ok(get(http, f"{ws_url(emu)}/process-runs", emu.default_key, limit=2))
    newer = emu.start_run(emu.default_process)
    rest = all_pages(http, first["next"], emu.default_key)
    seen = [r["id"] for r in first["data"]] + [r["id"] for p in rest for r in p["data"]]
    assert len(seen) == len(set(seen)) == 5 and set(seen) == set(old) and newer not in seen


@pytest.mark.parametrize(("asked", "given"), [("100", 100), ("101", 100), ("500", 100), ("9" * 5000, 100), ("1", 1)])
def test_limit_is_capped_at_100(emu, http, asked, given) -> None:
    for _ in range(150):
        emu.start_run(emu.default_process)
    body = ok(get(http, f"{ws_url(emu)}/process-runs", emu.default_key, limit=asked))
    assert len(body["data"]) == given and body["has_more"]
    assert f"limit={given}&" in body["next"]


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "1.5", "", " 5", "\uff11"])
def test_a_limit_that_is_not_a_whole_number_from_1_is_400(emu, http, limit) -> None:
    message = error_of(get(http, f"{ws_url(emu)}/process-runs", emu.default_key, limit=limit), 400,
                       "invalid_request")
    assert "limit" in message


@pytest.mark.parametrize("cursor", ["garbage!", "bm90LWEtY3Vyc29y", ""])
def test_a_cursor_the_server_did_not_give_is_400(emu, http, cursor) -> None:
    response = get(http, f"{ws_url(emu)}/process-runs", emu.default_key, cursor=cursor)
    assert "cursor" in error_of(response, 400, "invalid_request")


def test_filters_by_process_and_state_hold_across_pages(emu, http) -> None:
    second = emu.add_process(emu.default_process.workspace_id)
    done = set()
    for index in range(120):
        process = emu.default_process if index % 2 else second
        run_id = emu.start_run(process, duration=0 if index % 3 else LONG)
        if process is second and index % 3:
            done.add(run_id)
    url = f"{ws_url(emu)}/process-runs?process_id={second.process_id}&state=completed&limit=7"
    pages = all_pages(http, url, emu.default_key)
    for page in pages[:-1]:
        assert f"process_id={second.process_id}" in page["next"] and "state=completed" in page["next"]
    runs = [r for p in pages for r in p["data"]]
    assert len(pages) == 6 and {r["id"] for r in runs} == done and len(runs) == len(done) == 40
    assert all(r["process"]["id"] == second.process_id and r["state"] == "completed" for r in runs)
    assert newest_first(runs)
    only_new = ok(get(http, f"{ws_url(emu)}/process-runs", emu.default_key, state="new"))
    assert len(only_new["data"]) == 40 and {r["state"] for r in only_new["data"]} == {"new"}


def test_another_workspaces_runs_stay_out_of_the_list(emu, http) -> None:
    emu.start_run(emu.add_process())
    assert ok(get(http, f"{ws_url(emu)}/process-runs", emu.default_key))["data"] == []


# -- trigger bodies -------------------------------------------------------------------------


@pytest.mark.parametrize("body", [None, {}])
def test_no_body_or_an_empty_object_starts_one_run(emu, http, body) -> None:
    assert ok(trigger(http, emu, body))["started"] is True
    assert emu.runs_created == 1


def test_payloads_start_one_run_with_an_item_each(emu, http) -> None:
    payloads = [{"a": 1}, [1, 2], "text", 3, None, {"simulate": "fail"}]
    run_id = ok(trigger(http, emu, {"type": "with_payloads", "payloads": payloads}))["id"]
    assert emu.runs_created == 1
    assert emu._runs.get(run_id).work_items == 6  # the item count has no route of its own yet


def test_with_inputs_starts_nothing_until_inputs_are_queued(emu, http) -> None:
    assert ok(trigger(http, emu, {"type": "with_inputs"})) == {"started": False}
    assert emu.runs_created == 0
    emu.queue_input(emu.default_process, {"order": 1})
    emu.queue_input(emu.default_process, {"order": 2})
    answer = ok(trigger(http, emu, {"type": "with_inputs"}))
    assert answer["started"] is True and run_of(http, emu, answer["id"])["id"] == answer["id"]
    assert emu._runs.get(answer["id"]).work_items == 2
    assert ok(trigger(http, emu, {"type": "with_inputs"})) == {"started": False}  # the queue was used up


@pytest.mark.parametrize("body", [
    {"type": "with_work_item_ids", "work_item_ids": ["w-1"]}, {"type": "nonsense"}, {"a": 1},
    {"type": "with_payloads"}, {"type": "with_payloads", "payloads": []}, {"type": "with_payloads", "payloads": {}},
    [1], "text",
])
def test_other_bodies_are_400(emu, http, body) -> None:
    assert error_of(trigger(http, emu, body), 400, "invalid_request")
    assert emu.runs_created == 0


def test_a_body_that_is_not_json_is_400(emu, http) -> None:
    response = http.post(trigger_url(emu), headers=auth(emu.default_key), data=b"{not json", timeout=10)
    error_of(response, 400, "invalid_request")


def test_each_payload_may_be_100_kb_and_no_more(emu, http) -> None:
    room = 100 * 1024 - len('{"a":""}')
    at_limit = {"a": "é" * (room // 2)}  # counted in UTF-8 bytes of compact JSON
    body = {"type": "with_payloads", "payloads": [at_limit, at_limit]}  # the whole body may be larger
    assert ok(trigger(http, emu, body))["started"]
    over = {"a": "x" * (room + 1)}
    message = error_of(trigger(http, emu, {"type": "with_payloads", "payloads": [{}, over]}), 413,
                       "payload_too_large")
    assert "Payload 2" in message and "102400" in message
    assert emu.runs_created == 1


# -- a run's life ---------------------------------------------------------------------------


def follow(http: requests.Session, emu: Emulator, run_id: str, ended: set[str]) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def done() -> bool:
        seen.append(run_of(http, emu, run_id))
        return seen[-1]["state"] in ended

    wait_for(done)
    return seen


def test_a_run_goes_new_then_in_progress_then_completed(emu, http) -> None:
    process = emu.add_process(emu.default_process.workspace_id, run_duration=2.5)
    run_id = ok(trigger(http, emu, process=process))["id"]
    seen = follow(http, emu, run_id, {"completed"})
    states = [s["state"] for s in seen]
    assert states[0] == "new" and "in_progress" in states
    assert states == sorted(states, key=["new", "in_progress", "completed"].index)
    for state in seen:
        assert (state["started_at"] is None) == (state["state"] == "new")
        assert (state["ended_at"] is None) == (state["state"] != "completed")
        assert (state["duration"] is None) == (state["state"] == "new")
    last = seen[-1]
    assert ISO.match(last["started_at"]) and ISO.match(last["ended_at"])
    assert last["created_at"] < last["started_at"] < last["ended_at"] and last["duration"] == 2


@pytest.mark.parametrize("simulate", ["fail", "pending"])
def test_a_failing_work_item_leaves_the_run_unresolved(emu, http, simulate) -> None:
    body = {"type": "with_payloads", "payloads": [{"simulate_duration": 0.2}, {"simulate": simulate}]}
    run_id = ok(trigger(http, emu, body))["id"]
    last = follow(http, emu, run_id, {"unresolved"})[-1]
    assert last["ended_at"] is not None and last["duration"] == 0


def test_a_simulated_raw_state_is_the_final_state(emu, http) -> None:
    run_id = ok(trigger(http, emu, {"type": "with_payloads", "payloads": [
        {"simulate": "state:stopping", "simulate_duration": 0}]}))["id"]
    assert run_of(http, emu, run_id)["state"] == "stopping"


def test_created_at_is_never_later_than_the_moment_the_run_was_created(emu, http) -> None:
    # Clients compare created_at with a moment of their own ("runs started since I looked"): a time
    # rounded up would put a run started just before that moment after it.
    latest = []
    for _ in range(200):
        run_id = emu.start_run(emu.default_process)
        latest.append((run_id, time.time()))
    runs = {r["id"]: r for p in all_pages(http, f"{ws_url(emu)}/process-runs", emu.default_key) for r in p["data"]}
    for run_id, after in latest:
        created = datetime.strptime(runs[run_id]["created_at"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
        assert created <= after


# -- runs started elsewhere -----------------------------------------------------------------


@pytest.mark.parametrize("started_by", ["schedule", "email", "api"])
def test_start_run_says_who_started_it(emu, http, started_by) -> None:
    run = run_of(http, emu, emu.start_run(emu.default_process, started_by=started_by))
    assert run["started_by"] == {"type": started_by, "details": None}


def test_start_run_by_a_user_names_the_user(emu, http) -> None:
    default = run_of(http, emu, emu.start_run(emu.default_process, started_by="user"))
    assert default["started_by"] == {"type": "user",
                                      "details": {"id": "u-1", "first_name": "Ada", "last_name": "Lovelace"}}
    named = run_of(http, emu, emu.start_run(emu.default_process, started_by="user", user=("u-7", "Grace", "Hopper")))
    assert named["started_by"]["details"] == {"id": "u-7", "first_name": "Grace", "last_name": "Hopper"}


def test_start_run_takes_payloads_and_a_duration(emu, http) -> None:
    run_id = emu.start_run(emu.default_process, payloads=[{"simulate": "pending"}], duration=0)
    assert run_of(http, emu, run_id)["state"] == "unresolved"


def test_start_run_refuses_what_control_room_cannot_do(emu) -> None:
    with pytest.raises(ValueError):
        emu.start_run(emu.default_process, started_by="robot")
    with pytest.raises(ValueError):
        emu.start_run(emu.default_process, started_by="schedule", user=("u", "A", "B"))
    with pytest.raises(ValueError):
        emu.start_run(emu.default_process, duration=-1)
    assert emu.runs_created == 0


def schedule_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name == "emulator-schedule")


def test_a_schedule_starts_runs_until_the_emulator_stops(http, secret_guard) -> None:
    emulator = Emulator().start()
    try:
        secret_guard.add(emulator.default_key)
        emulator.schedule(emulator.default_process, every=0.05)
        wait_for(lambda: emulator.runs_created >= 3)
        runs = ok(get(http, f"{ws_url(emulator)}/process-runs", emulator.default_key))["data"]
        assert {r["started_by"]["type"] for r in runs} == {"schedule"}
    finally:
        emulator.stop()
    assert schedule_threads() == 0


@pytest.mark.parametrize(("every", "started_by"), [(0, "schedule"), (-1, "schedule"), (float("nan"), "schedule"),
                                                   (1, "user"), (1, "robot")])
def test_a_schedule_that_cannot_be_is_refused(emu, every, started_by) -> None:
    with pytest.raises(ValueError):
        emu.schedule(emu.default_process, every=every, started_by=started_by)
    assert schedule_threads() == 0


def test_unschedule_stops_one_process_and_one_thread_serves_all(emu) -> None:
    second = emu.add_process(emu.default_process.workspace_id)
    emu.schedule(emu.default_process, every=0.05)
    emu.schedule(second, every=0.05, started_by="email")
    assert schedule_threads() == 1

    def runs_of(process: EmulatedProcess) -> int:
        with requests.Session() as http:
            return len(ok(get(http, f"{ws_url(emu)}/process-runs", emu.default_key,
                              process_id=process.process_id))["data"])

    wait_for(lambda: runs_of(second) >= 1)
    emu.unschedule(second)
    stopped_at = runs_of(second)
    before = runs_of(emu.default_process)
    wait_for(lambda: runs_of(emu.default_process) >= before + 3)
    assert runs_of(second) <= stopped_at + 1  # at most the tick that was under way


# -- faults and stats -----------------------------------------------------------------------


def test_faults_apply_to_v1_and_are_counted(emu, http) -> None:
    emu.inject(Fault("status", status=503, method="GET"))
    assert get(http, f"{ws_url(emu)}/process-runs", emu.default_key).status_code == 503
    emu.inject(Fault("drop_after_create", method="POST"))
    with pytest.raises(requests.ConnectionError):
        trigger(http, emu)
    assert emu.runs_created == 1
    emu.inject(Fault("truncated"))
    with pytest.raises(requests.RequestException):
        get(http, f"{ws_url(emu)}/process-runs/x", emu.default_key).json()
    assert [r.fault for r in emu.requests] == ["status", "drop_after_create", "truncated"]
    assert emu.count(path_contains="/api/v1/") == 3 and emu.count("POST", "/process-runs") == 1
    stats = ok(http.get(f"{emu.base_url}/_emulator/stats", timeout=10))
    assert stats == {"requests": {"GET": 2, "POST": 1}, "runs": 1}
