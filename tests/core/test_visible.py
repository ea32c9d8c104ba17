"""Text from a server or an old file is shown with its invisible parts as escapes, never acting."""

from __future__ import annotations

import pytest

from robocloud_desktop.core.visible import visible


@pytest.mark.parametrize(("text", "shown"), [
    ("run-\u202etxt.exe", "run-\\u202etxt.exe"),  # would read "run-exe.txt"
    ("ab\u200bcd", "ab\\u200bcd"), ("\x1b[2Jcleared", "\\u001b[2Jcleared"), ("a\nb", "a\\u000ab"),
    ("x\u2028y", "x\\u2028y"), ("\ufeffid", "\\ufeffid"), ("\udcff", "\\udcff"), ("\U000e0041", "\\U000e0041"),
])
def test_invisible_characters_are_escaped(text, shown):
    assert visible(text) == shown


@pytest.mark.parametrize("text", ["COMPL", "Jyväskylä", "請求書 No. 7", "naïve e\u0301", "a b", ""])
def test_ordinary_text_in_any_script_is_left_alone(text):
    assert visible(text) == text


def test_line_breaks_and_tabs_can_stay_for_texts_of_several_lines():
    assert visible('{\n\t"a": "\u202e"\n}', lines=True) == '{\n\t"a": "\\u202e"\n}'
