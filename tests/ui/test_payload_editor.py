"""The payload editor driven by keyboard and mouse: validation as you type, Format, Recent, colours."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextCharFormat, QTextFormat
from PySide6.QtWidgets import QApplication, QWidget

from robocloud_desktop.core.payload import MAX_PAYLOAD_BYTES
from robocloud_desktop.ui.look import is_dark
from robocloud_desktop.ui.payload.editor import PayloadEditor, preview
from robocloud_desktop.ui.payload.highlighter import COLOURS
from robocloud_desktop.ui.theme import dark_palette as theme_dark_palette

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def editor(qtbot) -> PayloadEditor:
    widget = PayloadEditor()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def shown(qtbot, editor: PayloadEditor) -> PayloadEditor:
    """The editor in an active window with focus in the text, as when the user is typing."""
    editor.resize(600, 300)
    with qtbot.waitActive(editor):
        editor.show()
        editor.activateWindow()
    editor.editor.setFocus()
    qtbot.waitUntil(editor.editor.hasFocus)
    return editor


@pytest.fixture
def dark_palette(qapp: QApplication) -> Iterator[None]:
    before = QApplication.palette()
    palette = theme_dark_palette()
    QApplication.setPalette(palette)
    QApplication.processEvents()  # widgets hear of a new application palette through posted events
    assert is_dark(), "the platform should follow the application palette offscreen"
    yield
    QApplication.setPalette(before)
    QApplication.processEvents()


def type_over(qtbot, editor: PayloadEditor, text: str) -> None:
    """Select everything and type `text`, key by key."""
    qtbot.keyClick(editor.editor, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(editor.editor, text)


def format_at(editor: PayloadEditor, line: int, column: int) -> QTextCharFormat:
    """The highlighter's format at 0-based (line, column) of the editor."""
    block = editor.editor.document().findBlockByNumber(line)
    for fmt in block.layout().formats():
        if fmt.start <= column < fmt.start + fmt.length:
            return QTextCharFormat(fmt.format)  # a copy: the range list goes away with this loop
    return QTextCharFormat()


# --- validation ---------------------------------------------------------------------------------


def test_empty_text_is_valid_and_sends_an_empty_object(editor: PayloadEditor) -> None:
    editor.set_text("   \n")
    assert editor.is_valid()
    assert editor.reason() == ""
    assert editor.payload() == {}
    assert editor.status.full_text() == "Empty payload · sends {}"


def test_typing_flips_validity_once_per_burst_after_the_delay(qtbot, editor: PayloadEditor) -> None:
    emitted: list[tuple[bool, str, float]] = []
    editor.validityChanged.connect(lambda valid, reason: emitted.append((valid, reason, time.monotonic())))
    delay = editor.validation_delay_ms / 1000

    qtbot.keyClicks(editor.editor, '{"a": ')
    # Taken before the last key, whose press restarts the wait: a slow machine's pause after it cannot
    # make the wait look shorter than it was.
    last_key_at = time.monotonic()
    qtbot.keyClicks(editor.editor, "}")
    assert emitted == []  # nothing while typing: each key restarted the wait

    qtbot.waitUntil(lambda: len(emitted) == 1)
    valid, reason, at = emitted[0]
    assert not valid
    assert "line 1, column 7" in reason
    assert at - last_key_at >= delay * 0.9  # Qt's coarse timers may fire up to 5% early
    qtbot.wait(editor.validation_delay_ms * 2)
    assert len(emitted) == 1  # seven keystrokes, each leaving the text invalid differently: one signal

    type_over(qtbot, editor, '{"a": 1}')
    with qtbot.waitSignal(editor.validityChanged, timeout=2000) as blocker:
        pass
    assert blocker.args == [True, ""]
    assert len(emitted) == 2
    assert editor.status.full_text() == "Valid JSON object · 7 bytes"  # as sent: compact


def test_same_reason_is_not_signalled_again(qtbot, editor: PayloadEditor) -> None:
    editor.set_text("[1]")
    with qtbot.assertNotEmitted(editor.validityChanged):
        editor.set_text("[1, 2]")  # still an array: same validity, same reason


def test_array_is_invalid_with_a_clear_reason(editor: PayloadEditor) -> None:
    editor.set_text("[1, 2]")
    assert not editor.is_valid()
    assert editor.payload() is None
    assert "must be a JSON object" in editor.reason()
    assert "array" in editor.reason()
    assert editor.status.full_text() == "The payload must be a JSON object ({...}), not an array."
    assert editor.editor.extraSelections() == []  # nothing in the text is "at fault"


def test_error_names_line_and_column_and_is_marked_there(editor: PayloadEditor) -> None:
    editor.set_text('{\n  "a": ,\n  "b": 1\n}')
    assert not editor.is_valid()
    assert "line 2, column 8" in editor.reason()
    assert editor.status.full_text() == "Line 2, column 8: Expecting value"
    assert editor.status.toolTip().startswith(editor.reason() + "\n")  # the whole sentence, then how to go there

    line, mark = editor.editor.extraSelections()
    assert line.cursor.block().blockNumber() == 1
    assert line.format.property(QTextFormat.Property.FullWidthSelection)
    assert mark.cursor.selectedText() == ","
    assert mark.cursor.block().blockNumber() == 1
    assert mark.cursor.selectionStart() - mark.cursor.block().position() == 7
    assert mark.format.underlineStyle() == QTextCharFormat.UnderlineStyle.WaveUnderline


def test_mark_counts_columns_in_characters_even_after_an_emoji(editor: PayloadEditor) -> None:
    editor.set_text('{"😀": x}')  # the emoji is one character to core, two UTF-16 units to Qt
    assert editor.status.full_text() == "Line 1, column 7: Expecting value"
    _, mark = editor.editor.extraSelections()
    assert mark.cursor.selectedText() == "x"


def test_status_reads_well_when_python_message_ends_in_at(editor: PayloadEditor) -> None:
    editor.set_text('{"a": "x\tb"}')  # a raw tab inside a string
    assert editor.status.full_text() == "Line 1, column 9: Invalid control character"
    _, mark = editor.editor.extraSelections()
    assert mark.cursor.selectedText() == "\t"


def test_missing_brace_marks_where_the_json_stops(editor: PayloadEditor) -> None:
    editor.set_text('{"a": 1\n\n')
    _, mark = editor.editor.extraSelections()
    assert mark.cursor.selectedText() == "1"


def test_fixing_the_error_removes_the_mark(editor: PayloadEditor) -> None:
    editor.set_text('{"a": }')
    assert editor.editor.extraSelections()
    editor.set_text('{"a": 2}')
    assert editor.editor.extraSelections() == []


def test_payload_over_100_kb_is_invalid_and_at_the_limit_is_valid(editor: PayloadEditor) -> None:
    room = MAX_PAYLOAD_BYTES - len('{"blob":""}')
    editor.set_text(json.dumps({"blob": "x" * room}))
    assert editor.is_valid()
    assert editor.status.full_text() == "Valid JSON object · 100.0 KB of 100 KB"

    editor.set_text(json.dumps({"blob": "x" * (room + 1)}))
    assert not editor.is_valid()
    assert editor.payload() is None
    # The real size: "100 KB" would read as allowed for a payload one byte over.
    assert "at most 102,400 bytes (100 KB)" in editor.reason()
    assert editor.status.full_text().startswith("The payload is 102,401 bytes (100.0 KB); Control Room accepts")


def test_payload_returns_the_object_even_before_the_debounce(qtbot, editor: PayloadEditor) -> None:
    qtbot.keyClicks(editor.editor, '{"n": 1, "tags": ["a"]}')
    assert editor.payload() == {"n": 1, "tags": ["a"]}  # the getter checks what is in the editor now
    assert editor.is_valid()


def test_set_text_validates_at_once_and_is_not_an_edit(qtbot, editor: PayloadEditor) -> None:
    with qtbot.assertNotEmitted(editor.payloadEdited), qtbot.waitSignal(editor.validityChanged, timeout=0):
        editor.set_text("{")
    assert not editor.is_valid()
    assert not editor.editor.document().isUndoAvailable()  # the previous profile's text is not undoable


def test_typing_is_an_edit(qtbot, editor: PayloadEditor) -> None:
    with qtbot.waitSignal(editor.payloadEdited, timeout=0):
        qtbot.keyClicks(editor.editor, "{")


# --- editing ------------------------------------------------------------------------------------


def test_format_button_pretty_prints_keeping_key_order(qtbot, editor: PayloadEditor) -> None:
    editor.set_text('{"b":1,"a":[1,2],"é":null}')
    with qtbot.waitSignal(editor.payloadEdited, timeout=0):
        qtbot.mouseClick(editor.format_button, Qt.MouseButton.LeftButton)
    assert editor.text() == '{\n  "b": 1,\n  "a": [\n    1,\n    2\n  ],\n  "é": null\n}'
    assert editor.is_valid()


def test_ctrl_shift_f_formats_while_typing(qtbot, shown: PayloadEditor) -> None:
    qtbot.keyClicks(shown.editor, '{"x": {"y": true}}')
    qtbot.keyClick(shown.editor, Qt.Key.Key_F, CTRL | SHIFT)
    assert shown.text() == '{\n  "x": {\n    "y": true\n  }\n}'


def test_format_of_invalid_text_only_shows_the_error(qtbot, editor: PayloadEditor) -> None:
    qtbot.keyClicks(editor.editor, '{"a": 1,}')
    assert editor.status.full_text() == "Empty payload · sends {}"  # still waiting for the debounce
    with qtbot.waitSignal(editor.validityChanged, timeout=0):
        qtbot.mouseClick(editor.format_button, Qt.MouseButton.LeftButton)
    assert editor.text() == '{"a": 1,}'
    assert editor.status.full_text().startswith("Line 1, column 9: ")


def test_tab_inserts_two_spaces_and_ctrl_tab_or_shift_tab_leaves(qtbot, shown: PayloadEditor) -> None:
    qtbot.keyClick(shown.editor, Qt.Key.Key_Tab)
    assert shown.text() == "  "
    assert shown.editor.hasFocus()
    qtbot.keyClick(shown.editor, Qt.Key.Key_Backtab, SHIFT)
    assert not shown.editor.hasFocus()
    shown.editor.setFocus()
    qtbot.keyClick(shown.editor, Qt.Key.Key_Tab, CTRL)
    assert not shown.editor.hasFocus() and shown.text() == "  "
    assert "Ctrl+Tab" in shown.editor.toolTip()


def test_recent_payload_replaces_the_text_and_ctrl_z_restores(qtbot, editor: PayloadEditor) -> None:
    long_one = '{\n  "note": "' + "x" * 100 + '"\n}'
    editor.set_text('{"now": 1}')
    editor.set_recent(['{"old": true}', long_one, '{"old": true}'])
    actions = editor.recent_menu.actions()
    assert [a.text() for a in actions] == ['{"old": true}', preview(long_one)]
    assert len(actions[1].text()) <= 60
    assert actions[1].text().endswith("…")
    assert editor.recent_button.isEnabled()

    with qtbot.waitSignal(editor.payloadEdited, timeout=0):
        actions[0].trigger()
    assert editor.text() == '{"old": true}'
    assert editor.payload() == {"old": True}

    qtbot.keyClick(editor.editor, Qt.Key.Key_Z, CTRL)
    assert editor.text() == '{"now": 1}'
    assert editor.payload() == {"now": 1}


def test_no_recent_payloads_disables_the_button(editor: PayloadEditor) -> None:
    editor.set_recent([])
    assert not editor.recent_button.isEnabled()
    assert editor.recent_button.toolTip()


def test_preview_is_one_line_and_keeps_ampersands_literal() -> None:
    assert preview('{\n  "a":\t"b & c"\n}') == '{ "a": "b && c" }'
    assert preview("") == "{} (empty)"


# --- looks --------------------------------------------------------------------------------------


def test_every_control_is_named_and_explained(editor: PayloadEditor) -> None:
    assert editor.editor.objectName() == "payloadEditor"
    assert editor.editor.accessibleName() == "Work-item payload (JSON)"
    assert editor.recent_button.objectName() == "recentPayloads"
    assert editor.recent_button.accessibleName() == "Recent payloads"
    assert "Ctrl+Shift+F" in editor.format_button.toolTip()
    for name in ("payloadEditor", "payloadStatus", "payloadStatusIcon", "formatButton", "recentPayloads"):
        control = editor.findChild(QWidget, name)
        assert control is not None, name
        assert control.accessibleName(), name
        assert control.toolTip(), name


def test_long_messages_do_not_widen_the_window(editor: PayloadEditor) -> None:
    editor.set_text(json.dumps({"blob": "x" * MAX_PAYLOAD_BYTES}))
    assert editor.minimumSizeHint().width() < 300


def test_highlighter_colours_follow_light_and_dark(qtbot, editor: PayloadEditor, dark_palette: None) -> None:
    editor.set_text('{"key": "text", "n": -1.5e3, "ok": true, "none": null}')
    expected = {(0, 1): "key", (0, 8): "string", (0, 21): "number", (0, 35): "literal", (0, 0): "punctuation"}
    for (line, column), kind in expected.items():
        assert format_at(editor, line, column).foreground().color() == QColor(COLOURS[kind][1]), kind
    assert format_at(editor, 0, 35).fontWeight() > 400

    QApplication.setPalette(QApplication.style().standardPalette())
    assert not is_dark()
    qtbot.waitUntil(lambda: format_at(editor, 0, 1).foreground().color() == QColor(COLOURS["key"][0]))


def test_theme_change_is_not_an_edit(qtbot, editor: PayloadEditor, dark_palette: None) -> None:
    editor.set_text('{"a": 1}')
    with qtbot.assertNotEmitted(editor.payloadEdited):
        QApplication.setPalette(QApplication.style().standardPalette())
        qtbot.wait(editor.validation_delay_ms + 50)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_renders_at_a_small_size(qtbot, editor: PayloadEditor, request: pytest.FixtureRequest, theme: str,
                                 tmp_path: Path) -> None:
    if theme == "dark":
        request.getfixturevalue("dark_palette")
    editor.set_text('{\n  "customer": "ACME",\n  "items": [1, 2.5, true, null],\n  "note": ,\n}')
    editor.set_recent(['{"customer": "ACME"}'])
    editor.resize(600, 300)
    editor.show()
    qtbot.waitExposed(editor)
    image = editor.grab()
    assert not image.isNull()
    assert image.save(str(tmp_path / f"payload_editor_{theme}.png"))


def test_the_status_and_f8_lead_to_an_error_out_of_sight(qtbot, shown: PayloadEditor) -> None:
    lines = ["{"] + [f'  "key{i}": {i},' for i in range(60)] + ['  "last": tru', "}"]
    shown.set_text("\n".join(lines))
    shown.validate_now()
    assert shown.status.full_text().startswith("Line 62, column ")
    assert "F8" in shown.status.toolTip()
    top = shown.editor.textCursor()
    top.setPosition(0)
    shown.editor.setTextCursor(top)
    shown.editor.verticalScrollBar().setValue(0)

    def at_error_and_in_sight() -> bool:
        cursor = shown.editor.textCursor()
        return (cursor.blockNumber() == 61 and shown.editor.viewport().rect().contains(shown.editor.cursorRect())
                and shown.editor.hasFocus())

    assert not at_error_and_in_sight()
    qtbot.mouseClick(shown.status, Qt.MouseButton.LeftButton)
    assert at_error_and_in_sight()

    shown.editor.setTextCursor(top)
    shown.editor.verticalScrollBar().setValue(0)
    qtbot.keyClick(shown.editor, Qt.Key.Key_F8)
    assert at_error_and_in_sight()

    # A valid payload has no error to go to: the status is plain text again.
    shown.set_text('{"fine": true}')
    shown.validate_now()
    assert not shown.error_action.isEnabled() and "F8" not in shown.status.toolTip()


@pytest.mark.parametrize(("text", "says"), [
    ('{"a": ' + "[" * 20_000 + "]" * 20_000 + "}", "nested more than 64 levels deep"),
    ('{"a": "\\udfff"}', "lone UTF-16 surrogate"),
    ('{"a": ' + "7" * 6_000 + "}", "6,000 digits"),
])
def test_hostile_payloads_say_what_is_wrong_and_format_leaves_them_alone(qtbot, editor: PayloadEditor, text,
                                                                         says) -> None:
    editor.set_text(text)
    assert not editor.is_valid() and says in editor.reason()
    qtbot.mouseClick(editor.format_button, Qt.MouseButton.LeftButton)
    assert editor.text() == text
