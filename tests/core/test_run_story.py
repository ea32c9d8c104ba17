"""Why a run failed, and acting on it, through the Control Room API v1 client: real loopback HTTP to
the emulator, whose storage host is another host than its API."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from robocloud_desktop.core.api import ProcessApiClient
from robocloud_desktop.core.errors import (
    ActionRefused,
    DownloadFailed,
    PermissionMissing,
)
from robocloud_desktop.core.retry import RetryPolicy
from robocloud_desktop.core.story_results import MARK_AS_DONE, RETRY
from robocloud_desktop.core.target import API_V1, Target
from robocloud_desktop.emulator import EmulatedProcess, Emulator, Fault
from tests.support.waiting import wait_for

FAST = RetryPolicy(attempts=3, base_delay=0.05, max_delay=0.2, budget=5)
PERMISSIONS = ("Processes.trigger_processes", "Processes.read_runs", "Processes.read_processes",
               "Processes.read_work_items", "Processes.write_work_items", "Processes.read_run_outputs")


@pytest.fixture
def client() -> Iterator[ProcessApiClient]:
    with ProcessApiClient(timeout=(2.0, 5.0), retry=FAST) as api:
        yield api


@pytest.fixture
def key(emulator: Emulator, secret_guard) -> str:  # type: ignore[no-untyped-def]
    return secret_guard.add(emulator.default_key)


@pytest.fixture
def v1(emulator: Emulator, process: EmulatedProcess) -> Target:
    return Target(emulator.v1_base_url, process.workspace_id, process.process_id, api=API_V1)


def run_of(client: ProcessApiClient, v1: Target, key: str, payload: object) -> str:
    return client.v1.trigger(v1, key, payload).run_id  # type: ignore[arg-type]


def ended(emulator: Emulator, run_id: str) -> str:
    wait_for(lambda: emulator.run_state(run_id) in ("completed", "unresolved"))
    return emulator.run_state(run_id) or ""


def test_an_unresolved_run_tells_its_failed_step_item_and_last_console_lines(client, v1, key, emulator):
    run_id = run_of(client, v1, key, [{"n": 1}, {"simulate": "fail", "simulate_code": "NO_INVOICE",
                                                  "simulate_message": "Invoice 42 is missing"}])
    assert ended(emulator, run_id) == "unresolved"
    steps = client.v1.step_runs(v1, key, run_id)
    assert [s.name for s in steps] == ["Producer", "Consumer"]
    assert [s.failed for s in steps] == [False, True] and steps[1].error_code == "NO_INVOICE"
    items = client.v1.work_items(v1, key, run_id)
    failed = [i for i in items if i.failed]
    assert len(items) == 2 and len(failed) == 1
    assert (failed[0].exception.type, failed[0].exception.code) == ("business", "NO_INVOICE")
    assert "Invoice 42 is missing" in str(failed[0].exception)
    assert client.v1.work_items(v1, key, run_id, state="failed") == failed
    one = client.v1.work_item(v1, key, failed[0].id)
    assert one.has_payload and one.payload["simulate_code"] == "NO_INVOICE"
    console = client.v1.console_messages(v1, key, steps[1].id)
    assert "NO_INVOICE" in "\n".join(m.message for m in console[-5:])
    times = [m.timestamp for m in console]
    assert times == sorted(times)  # oldest first, newest last
    assert [o.payload["work_item_id"] for o in client.v1.run_outputs(v1, key, run_id)] == [items[0].id]


def test_console_messages_come_in_pages_over_1200_lines_each_once(client, v1, key, emulator):
    run_id = run_of(client, v1, key, {"simulate_console_lines": 1234, "simulate_duration": 0.2})
    ended(emulator, run_id)
    consumer = client.v1.step_runs(v1, key, run_id)[1]
    first = client.v1.console_page(v1, key, consumer.id)
    assert len(first.items) == 100 and first.next_url is not None
    everything = client.v1.console_messages(v1, key, consumer.id)
    assert len(everything) == 1234 and everything[:100] == first.items


def test_an_artifact_downloads_without_the_key_and_no_link_is_logged(client, v1, key, emulator, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    run_id = run_of(client, v1, key, {"simulate_duration": 0.2})
    ended(emulator, run_id)
    step = client.v1.step_runs(v1, key, run_id)[0]
    artifacts = client.v1.artifacts(v1, key, step.id)
    assert {a.name for a in artifacts} == {"log.html", "output.xml"}
    log_html = next(a for a in artifacts if a.name == "log.html")
    seen: list[tuple[int, int | None]] = []
    saved = client.v1.download_artifact(v1, key, log_html, tmp_path, progress=lambda d, t: seen.append((d, t)))
    assert saved == tmp_path / "log.html"
    assert saved.read_bytes() == emulator.artifact_content(step.id, "log.html")
    assert seen[-1] == (log_html.size, log_html.size)
    assert emulator.storage_requests and not any(r.authorization for r in emulator.storage_requests)
    assert [p.name for p in tmp_path.iterdir()] == ["log.html"]  # no temporary file left
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "X-Signature" not in logged and "X-Expires" not in logged
    # A second download keeps the first file: the user's files are never replaced.
    again = client.v1.download_artifact(v1, key, log_html, tmp_path)
    assert again.name == "log (2).html" and saved.exists()


def test_a_download_cut_half_way_leaves_nothing_under_the_artifacts_name(client, v1, key, emulator, tmp_path):
    run_id = run_of(client, v1, key, {"simulate_duration": 0.2, "simulate_artifact_bytes": 2_000_000})
    ended(emulator, run_id)
    step = client.v1.step_runs(v1, key, run_id)[0]
    log_html = next(a for a in client.v1.artifacts(v1, key, step.id) if a.name == "log.html")
    emulator.inject(Fault("storage_cut", cut_after=500_000))
    with pytest.raises(DownloadFailed) as info:
        client.v1.download_artifact(v1, key, log_html, tmp_path)
    assert "Try again" in info.value.message and "X-Signature" not in info.value.message
    assert list(tmp_path.iterdir()) == []


def test_an_expired_link_says_to_download_again(client, v1, key, emulator, tmp_path):
    emulator.presign_ttl = 0
    run_id = run_of(client, v1, key, {"simulate_duration": 0.2})
    ended(emulator, run_id)
    step = client.v1.step_runs(v1, key, run_id)[0]
    with pytest.raises(DownloadFailed, match="expired") as info:
        client.v1.download_artifact(v1, key, client.v1.artifacts(v1, key, step.id)[0], tmp_path)
    assert info.value.status == 403 and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("terminate", "mark_done", "state"), [
    (False, False, "unresolved"), (True, False, "unresolved"), (False, True, "completed")])
def test_stop_and_terminate_end_a_run_in_flight(client, v1, key, emulator, terminate, mark_done, state):
    run_id = run_of(client, v1, key, [{"simulate_duration": 1.5}, {"n": 2}, {"n": 3}])
    wait_for(lambda: "in_progress" in emulator.work_item_states(run_id).values())
    assert client.v1.stop_run(v1, key, run_id, terminate=terminate, mark_done=mark_done, reason="test")
    assert ended(emulator, run_id) == state
    with pytest.raises(ActionRefused, match="already ended"):
        client.v1.stop_run(v1, key, run_id, terminate=False, mark_done=False)


@pytest.mark.parametrize("operation", [RETRY, MARK_AS_DONE])
def test_retrying_or_marking_failed_items_done_brings_the_run_to_completed(client, v1, key, emulator, operation):
    run_id = run_of(client, v1, key, [{"simulate": "fail", "simulate_duration": 0.2}])
    assert ended(emulator, run_id) == "unresolved"
    failed = [i.id for i in client.v1.work_items(v1, key, run_id, state="failed")]
    assert client.v1.work_items_batch(v1, key, operation, failed)
    wait_for(lambda: emulator.run_state(run_id) == "completed")
    assert client.v1.get_run(v1, key, run_id).state == "completed"


@pytest.mark.parametrize("permission", PERMISSIONS[1:])
def test_a_key_lacking_a_permission_is_told_which_one(client, v1, key, emulator, secret_guard, permission):
    run_id = run_of(client, v1, key, [{"simulate": "fail", "simulate_duration": 0.2}])
    ended(emulator, run_id)
    step_id = client.v1.step_runs(v1, key, run_id)[0].id
    item_id = client.v1.work_items(v1, key, run_id)[0].id
    lacking = secret_guard.add(emulator.add_key(permissions=[p for p in PERMISSIONS if p != permission]))
    calls = {
        "Processes.read_processes": lambda: client.v1.step_runs(v1, lacking, run_id),
        "Processes.read_run_outputs": lambda: client.v1.console_messages(v1, lacking, step_id),
        "Processes.read_work_items": lambda: client.v1.work_items(v1, lacking, run_id),
        "Processes.write_work_items": lambda: client.v1.work_items_batch(v1, lacking, RETRY, [item_id]),
        "Processes.read_runs": lambda: client.v1.get_run(v1, lacking, run_id),
    }
    for named in (True, False):  # from the answer, or from the route when the answer does not say
        emulator.name_permission_in_403 = named
        with pytest.raises(PermissionMissing) as info:
            calls[permission]()
        assert info.value.permission == permission and permission in info.value.message


def test_a_trigger_key_stops_and_a_read_only_key_is_told_it_cannot(client, v1, key, emulator, secret_guard):
    run_id = run_of(client, v1, key, {"simulate_duration": 30})
    read_only = secret_guard.add(emulator.add_key(permissions=PERMISSIONS[1:]))
    with pytest.raises(PermissionMissing, match=r"Processes\.trigger_processes"):
        client.v1.stop_run(v1, read_only, run_id, terminate=True, mark_done=False)
    assert client.v1.stop_run(v1, key, run_id, terminate=True, mark_done=False)


def test_a_name_that_would_leave_the_folder_is_not_downloaded(client, v1, key, emulator, tmp_path: Path):
    from robocloud_desktop.core.story_results import Artifact

    run_id = run_of(client, v1, key, {"simulate_duration": 0.2})
    ended(emulator, run_id)
    step = client.v1.step_runs(v1, key, run_id)[0]
    real = client.v1.artifacts(v1, key, step.id)[0]
    hostile = Artifact(real.id, "../../escape.html", real.size, step.id)  # as a hostile server would name it
    with pytest.raises(DownloadFailed, match="outside the chosen folder"):
        client.v1.download_artifact(v1, key, hostile, tmp_path / "inside")
    assert not (tmp_path / "escape.html").exists() and not emulator.storage_requests
