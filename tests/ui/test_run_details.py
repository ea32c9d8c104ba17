"""RunDetails: what it shows, what it copies, and that no secret is ever in a copied command."""

from __future__ import annotations

import json
from dataclasses import replace

import PySide6
import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QPushButton, QScrollArea, QWidget

from robocloud_desktop.core.curl import SECRET_PLACEHOLDER
from robocloud_desktop.core.records import RunRecord
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.ui.board import details as run_details
from robocloud_desktop.ui.board.details import RunDetails
from robocloud_desktop.ui.board.details_hint import EMPTY_HINT
from robocloud_desktop.ui.services import Services

RUN_ID = "1b2c3d4e-0000-4000-8000-00000000abf5"
ANSWER = {"id": RUN_ID, "state": "COMPL", "result": "ERR", "errorCode": "WORKER_CRASH", "duration": 125,
          "workspaceId": "ws-42"}


def make_record(**changes: object) -> RunRecord:
    record = RunRecord(
        run_id=RUN_ID, profile_id="p-1", profile_name="Nightly invoices", base_url="https://api.eu1.robocloud.eu",
        workspace_id="ws-42", process_id="proc-7", secret_in_query=False, work_item_id="wi-99",
        payload='{"invoice": 1001}', payload_sha256="ab" * 32, triggered_at=1_764_000_000.0,
        state="COMPL", result="ERR", error_code="WORKER_CRASH", duration=125, last_checked=1_764_000_130.0,
        last_error="", error_count=0, ended_at=1_764_000_130.0, finished=True,
        last_answer=json.dumps(ANSWER, sort_keys=True),
    )
    return replace(record, **changes)  # type: ignore[arg-type]


@pytest.fixture
def details(qtbot, monkeypatch: pytest.MonkeyPatch) -> RunDetails:
    monkeypatch.setattr(run_details, "COPIED_FOR_MS", 100)  # the caption still comes back; tests stay quick
    widget = RunDetails()
    qtbot.addWidget(widget)
    widget.resize(420, 600)
    widget.show()
    return widget


def shown_texts(widget: QWidget) -> str:
    """Every text the user can see in the pane, fields and raw texts included."""
    parts = [w.text() for w in widget.findChildren(QLabel) if w.isVisibleTo(widget)]
    parts += [w.text() for w in widget.findChildren(QLineEdit) if w.isVisibleTo(widget)]
    parts += [w.toPlainText() for w in widget.findChildren(QPlainTextEdit) if w.isVisibleTo(widget)]
    return "\n".join(parts)


def button(widget: RunDetails, name: str) -> QPushButton:
    found = widget.findChild(QPushButton, name)
    assert found is not None, name
    return found


def test_names_for_styling_and_assistive_technology(details: RunDetails) -> None:
    assert details.objectName() == "runDetails"
    assert details.accessibleName() == "Run details"
    details.show_record(make_record())
    for control in [*details.findChildren(QPushButton), *details.findChildren(QLineEdit),
                    *details.findChildren(QPlainTextEdit)]:
        assert control.accessibleName(), control.objectName()
        assert control.toolTip(), control.objectName()


def test_shows_ids_codes_and_the_raw_answer(details: RunDetails) -> None:
    details.show_record(make_record())
    text = shown_texts(details)
    for expected in (RUN_ID, "wi-99", "ws-42", "proc-7", "https://api.eu1.robocloud.eu", "Nightly invoices",
                     "Failed", "COMPL", "ERR", "WORKER_CRASH", "2 min 5 s"):
        assert expected in text, expected
    answer = details.findChild(QPlainTextEdit, "runDetailsAnswer")
    assert answer.isReadOnly()
    assert json.loads(answer.toPlainText()) == ANSWER
    assert "\n  " in answer.toPlainText()  # pretty-printed
    assert json.loads(details.findChild(QPlainTextEdit, "runDetailsPayload").toPlainText()) == {"invoice": 1001}


def test_answer_that_is_not_json_is_shown_as_received(details: RunDetails) -> None:
    details.show_record(make_record(last_answer="<html>502 Bad Gateway</html>"))
    assert details.findChild(QPlainTextEdit, "runDetailsAnswer").toPlainText() == "<html>502 Bad Gateway</html>"


def test_last_error_is_highlighted_only_when_there_is_one(details: RunDetails) -> None:
    details.show_record(make_record())
    error = details.findChild(QLabel, "runDetailsLastError")
    assert not error.isVisibleTo(details)
    details.show_record(make_record(last_error="HTTP 503 from api.eu1.robocloud.eu", error_count=3))
    assert error.isVisibleTo(details)
    assert "HTTP 503" in error.text()
    assert "background" in error.styleSheet()
    assert "3" in details.findChild(QLabel, "runDetails_errors").text()


def test_payload_not_kept_shows_its_hash(details: RunDetails) -> None:
    details.show_record(make_record(payload=None))
    assert not details.findChild(QPlainTextEdit, "runDetailsPayload").isVisibleTo(details)
    note = details.findChild(QLabel, "runDetailsPayloadNote")
    assert note.isVisibleTo(details)
    assert note.text().startswith("not kept (sha256 abab")


def test_queued_and_unknown_states_read_as_the_core_labels(details: RunDetails) -> None:
    details.show_record(make_record(state="", result="", error_code="", last_answer="", duration=None))
    assert "Queued" in shown_texts(details)
    details.show_record(make_record(state="STOPPING", result=""))
    assert "Unknown state STOPPING" in shown_texts(details)


def test_none_shows_the_hint(details: RunDetails) -> None:
    details.show_record(make_record())
    details.show_record(None)
    hint = details.findChild(QLabel, "runDetailsHint")
    assert hint.isVisibleTo(details)
    assert hint.text() == EMPTY_HINT
    assert RUN_ID not in shown_texts(details)
    assert details.record is None


def test_copy_run_id(qtbot, details: RunDetails) -> None:
    details.show_record(make_record())
    copy = button(details, "copyRunId")
    qtbot.mouseClick(copy, PySide6.QtCore.Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == RUN_ID
    assert copy.text() == "Copied"
    qtbot.waitUntil(lambda: copy.text() == "Copy run ID", timeout=3000)


@pytest.mark.parametrize("secret_in_query", [False, True])
def test_copy_as_curl_has_the_run_url_and_the_placeholder(qtbot, details: RunDetails, secret_in_query: bool) -> None:
    details.show_record(make_record(secret_in_query=secret_in_query))
    copy = button(details, "copyCurl")
    assert copy.menu().actions() == [details.copy_trigger_curl_action, details.copy_status_curl_action]
    details.copy_status_curl_action.trigger()
    command = QGuiApplication.clipboard().text()
    assert command.startswith("curl ")
    assert f"https://api.eu1.robocloud.eu/workspace-v1/workspaces/ws-42/processes/proc-7/runs/{RUN_ID}" in command
    assert SECRET_PLACEHOLDER == "$ROBOCLOUD_PROCESS_SECRET"
    assert SECRET_PLACEHOLDER in command
    assert copy.text() == "Copied"
    qtbot.waitUntil(lambda: copy.text() == "Copy as curl", timeout=3000)


def test_copy_as_curl_is_disabled_for_a_target_the_core_refuses(details: RunDetails) -> None:
    details.show_record(make_record(base_url="http://example.com"))  # plain http to a remote host
    copy = button(details, "copyCurl")
    assert not copy.isEnabled()
    assert "http" in copy.toolTip()


def test_live_update_of_the_same_run_keeps_the_readers_selection(details: RunDetails) -> None:
    details.show_record(make_record(state="IP", result="", last_answer='{"state": "IP"}'))
    answer = details.findChild(QPlainTextEdit, "runDetailsAnswer")
    answer.selectAll()
    details.show_record(make_record(state="IP", result="", last_answer='{"state": "IP"}', last_checked=2e9))
    assert answer.textCursor().hasSelection()


@pytest.mark.parametrize("size", [(350, 600), (420, 600), (900, 250)])
def test_fits_side_and_bottom_panes_without_growing(qtbot, size: tuple[int, int]) -> None:
    widget = RunDetails()
    qtbot.addWidget(widget)
    widget.show_record(make_record(last_error="x" * 300, base_url="https://api.eu1.robocloud.eu/" + "a" * 200))
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    assert widget.minimumSizeHint().width() <= size[0]
    assert (widget.width(), widget.height()) == size


def test_invisible_characters_from_a_server_show_as_escapes(details: RunDetails) -> None:
    answer = json.dumps({"id": RUN_ID, "state": "COMPL", "note": "paid\u202e0001"}, ensure_ascii=False)
    details.show_record(make_record(result="O\u200bK", error_code="\x1b[2J", last_answer=answer))
    shown = shown_texts(details)
    assert "paid\\u202e0001" in shown and "O\\u200bK" in shown and "\\u001b[2J" in shown
    assert "\u202e" not in shown and "\u200b" not in shown and "\x1b" not in shown


def test_an_answer_nested_too_deeply_to_indent_is_shown_as_it_came(details: RunDetails) -> None:
    deep = "[" * 5000 + "]" * 5000
    details.show_record(make_record(last_answer=deep))
    assert deep in shown_texts(details)


def test_a_run_found_on_control_room_says_who_started_it_and_control_rooms_times(details: RunDetails) -> None:
    details.show_record(make_record())
    shown = shown_texts(details)
    assert "here" in shown and "Created:" not in shown
    details.show_record(make_record(api="v1", state="completed", result="", started_by="Ann Smith",
                                    started_by_type="user", created_at=1_764_000_000.0,
                                    started_at=1_764_000_010.0, server_ended_at=1_764_000_135.0))
    shown = shown_texts(details)
    assert "Ann Smith" in shown and "Created:" in shown and "Processing from:" in shown
    assert "Ended in Control Room:" in shown


@pytest.mark.parametrize("size", [(350, 600), (420, 600), (900, 250)])
def test_a_v1_run_with_its_tabs_and_actions_fits_side_and_bottom_panes(qtbot, paths, size: tuple[int, int]) -> None:
    widget = RunDetails(story=Services.create(paths, SecretStore()).story_access())
    qtbot.addWidget(widget)
    widget.show_record(make_record(api="v1", state="unresolved", result="", base_url="https://cloud.robocorp.com/api/v1"))
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    assert widget.run_actions.retry_action.isVisible() and widget.run_actions.mark_done_action.isVisible()
    assert [widget.tabs.tabText(i) for i in range(widget.tabs.count())] == ["Details", "Steps", "Work items", "Console",
                                                                            "Files"]
    assert widget.minimumSizeHint().width() <= size[0]
    assert (widget.width(), widget.height()) == size


def test_a_run_that_needs_attention_says_what_it_means_and_what_to_do(qtbot, paths) -> None:
    widget = RunDetails(story=Services.create(paths, SecretStore()).story_access())
    qtbot.addWidget(widget)
    widget.resize(420, 700)
    widget.show()
    widget.show_record(make_record(api="v1", state="unresolved", result="", base_url="https://cloud.robocorp.com/api/v1"))
    advice = widget.findChild(QLabel, "runDetailsAdvice")
    assert advice.isVisibleTo(widget)
    for words in ("work items failed", "wait in Control Room for a person", "retried", "marked done",
                  "Work items tab", "Retry failed items", "Mark failed items done…"):
        assert words in advice.text(), words
    widget.grab().save("/tmp/needs_attention_v1.png")

    widget.show_record(make_record(state="PENDING", result=""))  # started with a process secret
    assert advice.isVisibleTo(widget)
    for words in ("work items failed", "Open the run in Control Room", "workspace's API key", "From workspace…"):
        assert words in advice.text(), words
    assert "Work items tab" not in advice.text()
    widget.grab().save("/tmp/needs_attention_secret.png")

    widget.show_record(make_record())  # failed: nothing waits on the user
    assert not advice.isVisibleTo(widget)


def test_another_run_is_shown_from_the_top_of_its_details(qtbot) -> None:
    widget = RunDetails()
    qtbot.addWidget(widget)
    widget.resize(420, 300)
    widget.show()
    widget.show_record(make_record(last_error="x" * 2000))
    scroll = widget.findChild(QScrollArea, "runDetailsScroll")
    bar = scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())
    widget.show_record(make_record(state="IP", result=""))  # the same run, updated: the reader stays put
    assert bar.value() > 0
    widget.show_record(make_record(run_id="2b2c3d4e-0000-4000-8000-00000000abf6", last_error="y" * 2000))
    assert bar.value() == 0


@pytest.mark.parametrize("api", ["process-secret", "v1"])
def test_copy_as_curl_offers_the_trigger_with_the_runs_payload_and_the_status_check(details: RunDetails,
                                                                                    api: str) -> None:
    v1 = api == "v1"
    base = "https://cloud.robocorp.com/api/v1" if v1 else "https://api.eu1.robocloud.eu"
    details.show_record(make_record(api=api, base_url=base, state="completed" if v1 else "COMPL"))
    copy = button(details, "copyCurl")
    assert [a.text() for a in copy.menu().actions()] == ["Trigger with this run's payload", "Status check of this run"]
    assert details.copy_curl_action.menu() is copy.menu()  # the board's menu offers the same two
    variable = "ROBOCLOUD_API_KEY" if v1 else "ROBOCLOUD_PROCESS_SECRET"
    assert variable in copy.toolTip()
    details.copy_trigger_curl_action.trigger()
    trigger = QGuiApplication.clipboard().text()
    assert trigger.startswith("curl --request POST") and "invoice" in trigger and "1001" in trigger
    details.copy_status_curl_action.trigger()
    status = QGuiApplication.clipboard().text()
    assert "--request POST" not in status and RUN_ID in status
    for command in (trigger, status):
        if v1:
            assert 'Authorization: RC-WSKEY $ROBOCLOUD_API_KEY' in command and "/api/v1/workspaces/ws-42/" in command
            assert SECRET_PLACEHOLDER not in command and "workspace-v1" not in command
        else:
            assert SECRET_PLACEHOLDER in command and "/workspace-v1/workspaces/ws-42/processes/proc-7/runs" in command
            assert "RC-WSKEY" not in command
    assert "/process-runs" in status if v1 else status.rstrip("'").endswith(RUN_ID)


def test_a_trigger_whose_answer_was_lost_offers_only_its_trigger_as_curl(details: RunDetails) -> None:
    details.show_record(make_record(run_id="local:5f0c", outcome_unknown=True, finished=True, state="", result="",
                                    error_code="", duration=None, last_answer=""))
    assert details.copy_trigger_curl_action.isEnabled() and not details.copy_status_curl_action.isEnabled()
    assert not button(details, "copyRunId").isEnabled()
    details.show_record(make_record(payload=None))  # payload not kept: the status check only
    assert not details.copy_trigger_curl_action.isEnabled() and details.copy_status_curl_action.isEnabled()


def test_tab_from_the_tabs_of_a_narrow_pane_skips_their_scroll_arrows(qtbot, paths) -> None:
    """The arrows that scroll the tabs of a narrow pane are for the mouse; the keyboard has the arrow keys."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QToolButton

    window = QWidget()
    qtbot.addWidget(window)
    QLineEdit(window)  # where Tab goes once past the pane
    widget = RunDetails(window, story=Services.create(paths, SecretStore()).story_access())
    widget.setGeometry(0, 30, 260, 600)
    widget.show_record(make_record(api="v1", state="unresolved", result="", base_url="https://cloud.robocorp.com/api/v1"))
    window.resize(260, 640)
    window.show()
    qtbot.waitExposed(window)
    arrows = [b for b in widget.tabs.tabBar().findChildren(QToolButton) if b.isVisible()]
    assert arrows, "the pane is wide enough for every tab: this test needs it narrower"
    widget.tabs.tabBar().setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget.tabs.tabBar())
    reached = []
    for _ in range(12):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.append(QApplication.focusWidget())
    assert not set(arrows) & set(reached)
    assert any(widget.isAncestorOf(w) and w is not widget.tabs.tabBar() for w in reached)  # Tab went on into the pane
