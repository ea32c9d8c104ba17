"""Control Room API v1: the target's URLs, what its states mean, and the client over real loopback
HTTP against the emulator.

Every client test runs under `secret_guard`: the key must appear in no log record and no output,
and each error is also checked for it in its message, repr and formatted traceback.
"""

from __future__ import annotations

import pytest

from robocloud_desktop.core.errors import InvalidTarget
from robocloud_desktop.core.models import TERMINAL_STATES, Outcome, label_of, outcome_of
from robocloud_desktop.core.target import API_PROCESS_SECRET, API_V1, Target

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
