"""Reading a run's story from answers the app does not trust, and where a downloaded artifact may go:
no server needed for these (the client against the emulator is in test_run_story.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from robocloud_desktop.core.api_v1 import action_of, permission_for
from robocloud_desktop.core.artifact_download import free_name, safe_target
from robocloud_desktop.core.errors import (
    READ_PROCESSES,
    READ_RUN_OUTPUTS,
    READ_RUNS,
    READ_WORK_ITEMS,
    TRIGGER_PROCESSES,
    WRITE_WORK_ITEMS,
    DownloadFailed,
    InvalidTarget,
)
from robocloud_desktop.core.run_story import console_message, step_run, work_item
from robocloud_desktop.core.story_results import Presigned
from robocloud_desktop.core.target import API_V1, Target

T = Target("https://cloud.robocorp.com/api/v1", "ws-1", "proc-1", api=API_V1)


@pytest.mark.parametrize(("method", "url", "permission"), [
    ("GET", T.v1_step_runs_url("run-1"), READ_PROCESSES),
    ("GET", T.v1_step_run_url("sr-1"), READ_RUNS),
    ("GET", T.v1_console_url("sr-1"), READ_RUN_OUTPUTS),
    ("GET", T.v1_artifacts_url("sr-1"), READ_RUN_OUTPUTS),
    ("GET", T.v1_artifact_url("sr-1", "a-1"), READ_RUN_OUTPUTS),
    ("GET", T.v1_work_items_url("run-1", state="failed"), READ_WORK_ITEMS),
    ("GET", T.v1_work_item_url("wi-1"), READ_WORK_ITEMS),
    ("GET", T.v1_outputs_url("run-1"), READ_WORK_ITEMS),
    ("POST", T.v1_stop_url("run-1"), TRIGGER_PROCESSES),
    ("POST", T.v1_batch_url(), WRITE_WORK_ITEMS),
    ("POST", T.v1_trigger_url(), TRIGGER_PROCESSES),
    ("GET", T.v1_run_url("run-1"), READ_RUNS),
    ("GET", T.v1_processes_url(), READ_PROCESSES),
])
def test_each_route_names_the_permission_control_rooms_table_gives_it(method, url, permission):
    assert permission_for(method, url) == permission


def test_a_stop_and_a_batch_are_not_triggers():
    assert action_of("POST", T.v1_stop_url("r")) == "stop"
    assert action_of("POST", T.v1_batch_url()) == "batch"
    assert action_of("POST", T.v1_trigger_url()) == "trigger"
    assert action_of("GET", T.v1_stop_url("r")) == "read"


def test_story_urls_refuse_ids_that_are_not_ids():
    for bad in ("", "..", "a\nb"):
        with pytest.raises(InvalidTarget, match="id"):
            T.v1_work_item_url(bad)
    assert T.v1_work_item_url("a/b").endswith("/work-items/a%2Fb")  # one path segment, whatever it holds


def test_a_step_run_item_and_console_line_are_read_without_trusting_them():
    step = step_run({"id": "sr-1", "state": "failed", "error": {"code": "ROBOT_FAILED\u202e"},
                     "step": {"id": "s-1", "name": "Consumer\x1b[31m"}, "started_at": "2026-12-05T08:00:00Z",
                     "ended_at": "2026-12-05T08:00:05.500Z", "duration": 5.5})
    assert step is not None and step.failed and step.label == "Failed" and step.duration == 5.5
    assert "\u202e" not in step.error_code and "\x1b" not in step.name
    assert step.ended_at - step.started_at == 5.5
    assert step_run({"id": "../x"}) is None and step_run("text") is None

    item = work_item({"id": "wi-1", "state": "failed", "exception": {"type": "business", "code": "NO_INVOICE",
                                                                       "message": "Invoice\nnot found"},
                      "files": [{"id": "f-1", "name": "a.pdf", "size": 10}, {"id": None}]})
    assert item is not None and item.failed and not item.has_payload
    assert str(item.exception) == "Business exception NO_INVOICE: Invoice not found"
    assert [f.name for f in item.files] == ["a.pdf"]
    with_payload = work_item({"id": "wi-2", "state": "done", "payload": {"a": 1}})
    assert with_payload.has_payload and with_payload.payload == {"a": 1}

    line = console_message({"timestamp": "2026-12-05T08:00:00Z", "message": "\x1b]0;evil\x07ok\tdone"})
    assert line is not None and line.message == "]0;evilok\tdone"
    assert console_message({"message": 42}) is None


def test_a_presigned_link_never_shows_its_url():
    link = Presigned("https://storage.example/a?X-Signature=s3cr3t", "log.html", 10)
    assert "s3cr3t" not in repr(link) and "s3cr3t" not in str(link) and link.host == "storage.example"


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/passwd", "a/../../b", "C:\\x.txt", "..", "", " ",
                                  "ok\x00.txt", "sub\\..\\..\\x"])
def test_a_name_that_would_leave_the_folder_is_refused(tmp_path, name):
    with pytest.raises(DownloadFailed, match="outside the chosen folder"):
        safe_target(tmp_path, name)


def test_a_name_with_a_sub_folder_stays_inside_and_an_existing_file_is_never_replaced(tmp_path: Path):
    assert safe_target(tmp_path, "output/log.html") == tmp_path.resolve() / "output" / "log.html"
    (tmp_path / "log.html").write_text("mine")
    (tmp_path / "log (2).html").write_text("mine too")
    assert free_name(tmp_path / "log.html") == tmp_path / "log (3).html"
