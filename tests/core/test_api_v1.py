"""Control Room API v1: the target's URLs, what its states mean, and the client over real loopback
HTTP against the emulator.

Every client test runs under `secret_guard`: the key must appear in no log record and no output,
and each error is also checked for it in its message, repr and formatted traceback.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from robocloud_desktop.core.api import ProcessApiClient
from robocloud_desktop.core.api_results import RunStatus
from robocloud_desktop.core.api_v1 import encode_trigger_body
from robocloud_desktop.core.errors import (
    InvalidPayload,
    InvalidTarget,
    KeyRejected,
    OutcomeUnknown,
    PayloadRejected,
    PermissionMissing,
    UnexpectedAnswer,
)
from robocloud_desktop.core.models import TERMINAL_STATES, Outcome, label_of, outcome_of
from robocloud_desktop.core.retry import RetryPolicy
from robocloud_desktop.core.target import API_PROCESS_SECRET, API_V1, Target
from robocloud_desktop.emulator import EmulatedProcess, Emulator, Fault
from tests.core.test_api import raises
from tests.support.waiting import wait_for

# --- the target -------------------------------------------------------------------------------------


def test_a_v1_target_builds_the_routes_of_the_api_root():
    target = Target("https://cloud.robocorp.com/api/v1/", "ws 1", "p/1", api=API_V1)
    assert target.uses_key
    root = "https://cloud.robocorp.com/api/v1/workspaces/ws%201"
    assert target.v1_workspace_url() == root
    assert target.v1_processes_url() == f"{root}/processes"
    assert target.v1_trigger_url() == f"{root}/processes/p%2F1/process-runs"
    assert target.v1_run_url("r/1") == f"{root}/process-runs/r%2F1"
    assert target.v1_runs_url(process_id="p/1", state="in_progress", limit=50) == (
        f"{root}/process-runs?process_id=p%2F1&state=in_progress&limit=50")
    assert target.v1_runs_url(process_id=None, state=None, limit=100) == f"{root}/process-runs?limit=100"


def test_a_target_speaks_the_per_process_api_unless_told():
    target = Target("https://api.eu1.robocloud.eu", "ws", "p")
    assert (target.api, target.uses_key) == (API_PROCESS_SECRET, False)
    assert target.runs_url() == "https://api.eu1.robocloud.eu/workspace-v1/workspaces/ws/processes/p/runs"


@pytest.mark.parametrize("run_id", ["", "..", "a\nb"])
def test_a_v1_run_url_refuses_what_is_not_a_run_id(run_id):
    target = Target("https://cloud.robocorp.com/api/v1", "ws", "p", api=API_V1)
    with pytest.raises(InvalidTarget):
        target.v1_run_url(run_id)


def test_a_v1_target_never_puts_its_key_in_the_query_and_knows_no_third_api():
    with pytest.raises(InvalidTarget, match="header only"):
        Target("https://cloud.robocorp.com/api/v1", "ws", "p", secret_in_query=True, api=API_V1)
    with pytest.raises(InvalidTarget, match="not one the app speaks"):
        Target("https://cloud.robocorp.com/api/v1", "ws", "p", api="v2")


@pytest.mark.parametrize(("url", "owned"), [
    ("https://cloud.robocorp.com/api/v1/workspaces/ws/process-runs?cursor=x", True),
    ("https://CLOUD.robocorp.com:443/api/v1/other", True),
    ("http://cloud.robocorp.com/api/v1/workspaces/ws/process-runs", False),
    ("https://cloud.robocorp.com:8443/api/v1/workspaces/ws/process-runs", False),
    ("https://evil.example/api/v1/workspaces/ws/process-runs", False),
    ("https://cloud.robocorp.com.evil.example/api/v1", False),
    ("https://cloud.robocorp.com@evil.example/api/v1", False),
    ("//cloud.robocorp.com/api/v1", False),
    ("/api/v1/workspaces/ws/process-runs", False),
    ("https://[::1/api", False),
])
def test_only_a_url_on_the_targets_scheme_host_and_port_is_its_own(url, owned):
    target = Target("https://cloud.robocorp.com/api/v1", "ws", "p", api=API_V1)
    assert target.owns_url(url) is owned


# --- states -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("state", "outcome", "label"), [
    ("new", Outcome.QUEUED, "Queued"),
    ("in_progress", Outcome.RUNNING, "Running"),
    ("stopping", Outcome.STOPPING, "Stopping"),
    ("completed", Outcome.SUCCEEDED, "Completed"),
    ("unresolved", Outcome.NEEDS_ATTENTION, "Needs attention"),
    ("terminating", Outcome.UNKNOWN, "Unknown state terminating"),
])
def test_v1_states_map_onto_the_boards_outcomes(state, outcome, label):
    assert outcome_of(state, "") is outcome
    assert label_of(state, "") == label


def test_polling_stops_for_good_at_completed_only_and_a_stopping_run_has_not_ended():
    assert "completed" in TERMINAL_STATES
    assert "unresolved" not in TERMINAL_STATES and "stopping" not in TERMINAL_STATES
    assert not Outcome.STOPPING.is_ended
    assert Outcome.NEEDS_ATTENTION.is_ended


# --- the client over loopback HTTP ------------------------------------------------------------------

FAST = RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2, budget=10)


@pytest.fixture
def client() -> Iterator[ProcessApiClient]:
    with ProcessApiClient(timeout=(2.0, 1.5), retry=FAST) as api:
        yield api


@pytest.fixture
def key(emulator: Emulator, secret_guard) -> str:  # type: ignore[no-untyped-def]
    return secret_guard.add(emulator.default_key)


@pytest.fixture
def v1(emulator: Emulator, process: EmulatedProcess) -> Target:
    return Target(emulator.v1_base_url, process.workspace_id, process.process_id, api=API_V1)


def ended(client: ProcessApiClient, target: Target, key: str, run_id: str) -> RunStatus:
    latest: list[RunStatus] = []

    def done() -> bool:
        latest[:] = [client.get_run(target, key, run_id)]
        return latest[0].outcome.is_ended

    wait_for(done)
    return latest[0]


def test_a_run_started_with_a_key_is_read_to_completed_with_who_started_it_and_its_times(client, v1, key, emulator):
    before = time.time()
    run = client.trigger(v1, key, {"invoice": 42})
    assert run.started and run.run_id and emulator.runs_created == 1
    request = emulator.requests[-1]
    assert (request.method, request.secret_via) == ("POST", "authorization")
    first = client.get_run(v1, key, run.run_id)
    assert first.state in ("new", "in_progress") and not first.outcome.is_ended
    status = ended(client, v1, key, run.run_id)
    assert (status.state, status.outcome, status.label) == ("completed", Outcome.SUCCEEDED, "Completed")
    assert (status.started_by_type, status.started_by) == ("api", "API")
    assert status.process_id == v1.process_id
    assert status.created_at is not None and before - 5 <= status.created_at <= time.time() + 5
    assert status.ended_at is not None and status.ended_at >= status.created_at


def test_the_same_client_speaks_both_apis_on_one_session(client, v1, key, target, process, emulator):
    per_process = client.trigger(target, process.secret, {})
    with_key = client.trigger(v1, key, {})
    assert per_process.run_id != with_key.run_id
    assert client.get_run(v1, key, per_process.run_id).started_by_type == "api"  # one store of runs
    vias = {r.path.split("/")[1]: r.secret_via for r in emulator.requests}
    assert vias["api"] == "authorization" and "authorization" not in {vias.get("workspace-v1"), None}


def test_work_items_go_as_control_room_takes_them_object_array_and_none(client, v1, key, emulator):
    assert json.loads(encode_trigger_body({"a": 1})) == {"type": "with_payloads", "payloads": [{"a": 1}]}
    assert json.loads(encode_trigger_body([{"a": 1}, {"a": 2}, 3])) == {
        "type": "with_payloads", "payloads": [{"a": 1}, {"a": 2}, 3]}
    assert json.loads(encode_trigger_body(None)) == {}
    for payload in ({"a": 1}, [{"a": 1}, 2], None):
        assert client.trigger(v1, key, payload).started
    assert emulator.runs_created == 3


def test_an_array_ends_as_one_run_unresolved_when_one_item_fails(client, v1, key, emulator):
    run = client.trigger(v1, key, [{"n": 1}, {"n": 2, "simulate": "fail"}])
    assert emulator.runs_created == 1
    status = ended(client, v1, key, run.run_id)
    assert (status.state, status.outcome, status.label) == ("unresolved", Outcome.NEEDS_ATTENTION, "Needs attention")
    assert "unresolved" not in TERMINAL_STATES  # a person may still retry: followed on


def test_an_oversized_work_item_is_named_and_nothing_is_sent(client, v1, key, emulator):
    big = {"blob": "x" * (101 * 1024)}
    error = raises(InvalidPayload, lambda: client.trigger(v1, key, [{"a": 1}, big]), key)
    assert "Work item 2 of 2" in error.message
    assert emulator.count() == 0


def test_nothing_queued_is_a_clear_result_not_an_error(key, v1, emulator):
    # The client sends only payloads, a list or nothing; Control Room answers {"started": false} when
    # asked to take waiting inputs and there are none. A fault stands in for that answer.
    emulator.inject(Fault("status", status=200, body='{"started": false}', method="POST"))
    with ProcessApiClient(retry=FAST) as client:
        run = client.trigger(v1, key, None)
    assert (run.started, run.run_id) == (False, "")


def test_a_revoked_key_is_401_and_says_so(client, v1, key, emulator):
    emulator.revoke_key(key)
    error = raises(KeyRejected, lambda: client.get_run(v1, key, "r1"), key)
    assert error.status == 401 and "wrong, revoked or expired" in error.message
    assert emulator.count() == 1  # not retried


@pytest.mark.parametrize(("call", "permission"), [
    (lambda c, t, k: c.trigger(t, k, {}), "Processes.trigger_processes"),
    (lambda c, t, k: c.get_run(t, k, "r1"), "Processes.read_runs"),
    (lambda c, t, k: c.v1.list_runs(t, k, process_id=t.process_id), "Processes.read_runs"),
    (lambda c, t, k: c.v1.list_processes(t, k), "Processes.read_processes"),
])
@pytest.mark.parametrize("named", [True, False])
def test_a_missing_permission_is_named_from_the_answer_or_the_route(client, v1, emulator, secret_guard, call,
                                                                    permission, named):
    from robocloud_desktop.core.errors import PERMISSIONS

    emulator.name_permission_in_403 = named
    lacking = secret_guard.add(emulator.add_key(permissions=[p for p in PERMISSIONS if p != permission]))
    error = raises(PermissionMissing, lambda: call(client, v1, lacking), lacking)
    assert error.permission == permission and error.status == 403
    assert permission in error.message and "API keys" in error.message


def test_paging_follows_next_over_1200_runs_each_once_newest_first(client, v1, key, emulator, process):
    for _ in range(1200):
        emulator.start_run(process, started_by="schedule")
    emulator.clear_requests()
    runs = client.v1.list_runs(v1, key, process_id=v1.process_id)
    assert len(runs) == 1200 == len({r.run_id for r in runs})
    created = [r.created_at for r in runs]
    assert created == sorted(created, reverse=True)
    assert emulator.count("GET") == 12
    assert {r.started_by for r in runs} == {"schedule"}
    assert len(client.v1.list_runs(v1, key, process_id=v1.process_id, limit=150)) == 150


def test_a_page_link_to_another_host_is_not_followed_with_the_key(client, v1, key, emulator):
    body = json.dumps({"data": [], "has_more": True, "next": "http://evil.example/api/v1/workspaces/x/process-runs"})
    emulator.inject(Fault("status", status=200, body=body, method="GET"))
    error = raises(UnexpectedAnswer, lambda: client.v1.list_runs(v1, key, process_id=v1.process_id), key)
    assert "another host" in error.message
    assert emulator.count() == 1


def test_a_server_that_pages_in_circles_is_stopped(client, v1, key, emulator):
    url = v1.v1_runs_url(process_id=v1.process_id, limit=100) + "&cursor=same"
    body = json.dumps({"data": [], "has_more": True, "next": url})
    emulator.inject(Fault("status", status=200, body=body, method="GET", times=3))
    error = raises(UnexpectedAnswer, lambda: client.v1.list_runs(v1, key, process_id=v1.process_id), key)
    assert "same next page twice" in error.message


def test_processes_are_listed_by_name(client, v1, key, emulator):
    emulator.add_process(workspace_id=v1.workspace_id, name="Invoices\u200b EU")
    names = {p.name for p in client.v1.list_processes(v1, key)}
    assert "Invoices EU" in names and len(names) >= 2


def test_an_echoed_key_is_masked_in_errors_and_answers(client, v1, key, emulator):
    emulator.inject(Fault("status", status=400, method="POST",
                          body=json.dumps({"error": {"code": "bad", "message": f"bad key {key}"}})))
    raises(PayloadRejected, lambda: client.trigger(v1, key, {}), key)
    emulator.inject(Fault("status", status=200, method="GET", body=json.dumps(
        {"id": "r1", "state": "new", "note": key, key: 1})))
    status = client.get_run(v1, key, "r1")
    assert key not in json.dumps(status.raw)


def test_a_trigger_that_may_have_arrived_is_never_sent_again(client, v1, key, emulator):
    emulator.inject(Fault("drop_after_create", method="POST"))
    raises(OutcomeUnknown, lambda: client.trigger(v1, key, {}), key)
    assert emulator.runs_created == 1 and emulator.count("POST") == 1


def test_a_status_read_is_retried_through_server_trouble(client, v1, key, emulator):
    run = client.trigger(v1, key, {})
    emulator.inject(Fault("status", status=503, method="GET", times=2))
    assert client.get_run(v1, key, run.run_id).run_id == run.run_id
    assert emulator.count("GET") == 3
