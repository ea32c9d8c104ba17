"""The "Import from curl" dialog reads what is pasted off the GUI thread: the window keeps answering
while a large paste is read, only the latest text's verdict is shown, and Import waits for it.
Real widgets driven with pytest-qt; the reading is the core's, on a real thread pool."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from robocloud_desktop.core.curl import MAX_COMMAND_LENGTH
from robocloud_desktop.core.profiles import ProfileStore
from robocloud_desktop.core.regions import REGIONS
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.ui.profiles.curl_import import HINT, READING, CurlImportDialog
from robocloud_desktop.ui.workers import Background

SECRET = "Zq8-process-SECRET-4c1b9e"
WS = "c8a1f8b5-6b1e-4a8e-9d0f-5b2a1e0c3d44"
PID = "7f3e2d1c-0b9a-4876-8543-210fedcba987"
EU1 = REGIONS["eu1"]
SNIPPET = f"""curl
--request POST
--header "robocloud-process-secret: {SECRET}"
--header "Content-Type: application/json"
--data "{{\\"workItemKey\\":\\"workItemValue\\"}}"
{EU1}/workspace-v1/workspaces/{WS}/processes/{PID}/runs
"""
FOUND = f"Found process {PID} in workspace {WS} on {EU1} · secret in header · payload 31 bytes"
# Hostile and under the cap, so it is read in full: a run of backslashes, which took minutes to read
# when a pattern rescanned the run from each of its positions.
BACKSLASHES = "curl " + "\\" * 200_000
BACKSLASHES_SAY = "The URL is 100,000 characters long, longer than a Process API runs URL can be."
MEGABYTE = "curl " + "\\" * (1024 * 1024)
TOO_LONG = (f"The pasted text is {len(MEGABYTE):,} characters long, more than a curl command can be "
            f"(at most {MAX_COMMAND_LENGTH:,}). Paste only the command Control Room shows for the process.")


@pytest.fixture
def background(qtbot) -> Iterator[Background]:
    # The window's own pool has four threads: readings could finish out of order if the dialog let them.
    background = Background(max_threads=4)
    yield background
    qtbot.waitUntil(lambda: background.busy == 0, timeout=30000)


@pytest.fixture
def dialog(qtbot, app_home: Path, background: Background) -> CurlImportDialog:
    dialog = CurlImportDialog(ProfileStore(app_home / "profiles.json", SecretStore()), background=background)
    qtbot.addWidget(dialog)
    dialog.resize(600, dialog.height())
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def paste(qtbot, dialog: CurlImportDialog, text: str) -> None:
    """Replace the command with `text` as a user does: select all, then Ctrl+V."""
    QGuiApplication.clipboard().setText(text)
    dialog.command_edit.setFocus()
    dialog.command_edit.selectAll()
    qtbot.keyClick(dialog.command_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def wait_read(qtbot, dialog: CurlImportDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.reading, timeout=30000)


def assert_nothing_clipped(widget: QWidget) -> None:
    """Every wrapped label has all its lines, and no part of its text between two places where it can
    wrap (spaces, and after a '/') is wider than the label."""
    QApplication.processEvents()  # pending layout requests run, as before a paint
    for label in widget.findChildren(QLabel):
        if label.isVisible() and label.wordWrap():
            assert label.height() >= label.heightForWidth(label.width()), f"{label.objectName()} is clipped"
            metrics = label.fontMetrics()
            widest = max(metrics.horizontalAdvance(part) for part in re.split(r"\s+|(?<=/)", label.text()))
            assert widest <= label.contentsRect().width(), f"{label.objectName()} is cut off at its edge"
    assert widget.width() == 600, "a message too wide for the dialog widened it"


def test_a_paste_is_read_in_the_background_and_import_waits_for_it(qtbot, dialog):
    qtbot.keyClicks(dialog.name_edit, "Invoices")
    paste(qtbot, dialog, SNIPPET)
    # The paste has returned to the event loop's caller, unread: the window answers meanwhile.
    assert dialog.command_edit.toPlainText() == SNIPPET
    assert dialog.reading and dialog.result_label.text() == READING
    assert not dialog.ok_button.isEnabled()

    wait_read(qtbot, dialog)
    assert dialog.result_label.text() == FOUND
    assert dialog.ok_button.isEnabled()

    # Any change is read again before Import is back: the verdict shown is always the text's.
    qtbot.keyClick(dialog.command_edit, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.command_edit, " -X GET")
    assert dialog.reading and not dialog.ok_button.isEnabled()
    wait_read(qtbot, dialog)
    assert dialog.result_label.text().startswith("The command uses GET, but a run is started with POST.")
    assert not dialog.ok_button.isEnabled()
    for _ in range(7):
        qtbot.keyClick(dialog.command_edit, Qt.Key.Key_Backspace)
    wait_read(qtbot, dialog)
    assert dialog.result_label.text() == FOUND and dialog.ok_button.isEnabled()
    assert all(SECRET not in label.text() for label in dialog.findChildren(QLabel))


def test_enter_while_the_paste_is_read_does_not_import(qtbot, dialog):
    qtbot.keyClicks(dialog.name_edit, "Invoices")
    paste(qtbot, dialog, SNIPPET)
    dialog.name_edit.setFocus()
    with qtbot.assertNotEmitted(dialog.accepted):
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert dialog.isVisible()
    wait_read(qtbot, dialog)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    profile, secret = dialog.result()
    assert (profile.name, profile.workspace_id, profile.process_id, secret) == ("Invoices", WS, PID, SECRET)


def test_only_the_latest_texts_verdict_is_shown(qtbot, dialog, background):
    qtbot.keyClicks(dialog.name_edit, "Invoices")
    # A slow reading, then at once a quick one: the slow one's verdict would arrive last.
    dialog.command_edit.setPlainText(BACKSLASHES)
    dialog.command_edit.setPlainText(SNIPPET)
    assert dialog.reading and not dialog.ok_button.isEnabled()
    wait_read(qtbot, dialog)
    qtbot.waitUntil(lambda: background.busy == 0, timeout=30000)
    assert dialog.result_label.text() == FOUND and dialog.ok_button.isEnabled()

    # The other way round: a usable command replaced by a hostile one is not importable.
    dialog.command_edit.setPlainText(SNIPPET)
    dialog.command_edit.setPlainText(BACKSLASHES)
    wait_read(qtbot, dialog)
    qtbot.waitUntil(lambda: background.busy == 0, timeout=30000)
    assert dialog.result_label.text().startswith(BACKSLASHES_SAY)
    assert not dialog.ok_button.isEnabled()

    # Emptied while it was read: nothing to say but the hint.
    dialog.command_edit.setPlainText(SNIPPET)
    dialog.command_edit.clear()
    wait_read(qtbot, dialog)
    qtbot.waitUntil(lambda: background.busy == 0, timeout=30000)
    assert dialog.result_label.text() == HINT and not dialog.ok_button.isEnabled()


def test_a_megabyte_paste_is_answered_in_words_and_reads_well(qtbot, dialog):
    paste(qtbot, dialog, MEGABYTE)
    assert dialog.reading and dialog.result_label.text() == READING
    wait_read(qtbot, dialog)
    assert dialog.result_label.text() == TOO_LONG
    assert not dialog.ok_button.isEnabled()
    assert_nothing_clipped(dialog)
    dialog.grab().save("/tmp/curl-dialog.png")

    paste(qtbot, dialog, BACKSLASHES)
    wait_read(qtbot, dialog)
    assert dialog.result_label.text().startswith(BACKSLASHES_SAY)
    assert_nothing_clipped(dialog)


@pytest.mark.parametrize(
    ("text", "message", "importable"),
    [
        (SNIPPET.replace(WS, "%2e%2e"), "The workspace id '..' is not an id. Copy the real one from Control Room.",
         False),
        (SNIPPET.replace('{\\"workItemKey\\":\\"workItemValue\\"}', "[" * 100 + "]" * 100),
         "The payload cannot be sent: it is nested more than 64 levels deep.", False),
        (SNIPPET.replace("/runs", "/" + "r" * 1500), f"The URL {EU1}/workspace-v1/workspaces/{WS}/processes/", False),
        (SNIPPET.replace(WS, "w" * 1500), f"Found process {PID} in workspace {'w' * 26}…{'w' * 13} on {EU1}", True),
    ],
    ids=["dot-dot-workspace", "deep-payload", "long-path-segment", "long-workspace-id"],
)
def test_what_a_paste_says_is_shown_whole(qtbot, dialog, text, message, importable):
    qtbot.keyClicks(dialog.name_edit, "Invoices")
    paste(qtbot, dialog, text)
    wait_read(qtbot, dialog)
    assert dialog.result_label.text().startswith(message)
    assert dialog.ok_button.isEnabled() is importable
    assert_nothing_clipped(dialog)


def test_closing_while_a_paste_is_read_is_quiet(qtbot, app_home, background, caplog):
    dialog = CurlImportDialog(ProfileStore(app_home / "profiles.json", SecretStore()), background=background)
    dialog.show()
    dialog.command_edit.setPlainText(BACKSLASHES)
    assert dialog.reading
    dialog.reject()
    dialog.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=5000)
    qtbot.waitUntil(lambda: background.busy == 0, timeout=30000)
    assert not [record for record in caplog.records if record.levelname == "ERROR"]
