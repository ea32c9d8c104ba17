"""Reading and checking installed desktop entries as a desktop and a software centre would."""

from __future__ import annotations

import subprocess
from pathlib import Path

STRING_ESCAPES = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}


def exec_command(entry: Path) -> list[str]:
    """The command a desktop starts for the entry, read from Exec= by the desktop entry specification's
    rules: a string value's escapes undone first, then the quoting; `%%` is a percent sign."""
    value = next(line.removeprefix("Exec=") for line in entry.read_text(encoding="utf-8").splitlines()
                 if line.startswith("Exec="))
    text, chars = "", iter(value)
    for ch in chars:
        text += STRING_ESCAPES[next(chars)] if ch == "\\" else ch
    words: list[str] = []
    word, in_word, quoted = "", False, False
    chars = iter(text)
    for ch in chars:
        if quoted and ch == "\\":  # escapes only " ` $ and \ inside quotes
            word += next(chars)
        elif ch == '"':
            quoted, in_word = not quoted, True
        elif ch == " " and not quoted:
            if in_word:
                words.append(word)
            word, in_word = "", False
        else:
            word, in_word = word + ch, True
    if in_word:
        words.append(word)
    return [word.replace("%%", "%") for word in words]


def validate(entry: Path, metainfo: Path) -> None:
    """Debian's own checks (desktop-file-utils, appstream): what distributions and software centres run."""
    checked = subprocess.run(["desktop-file-validate", entry], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0 and not checked.stdout.strip(), checked.stdout + checked.stderr
    checked = subprocess.run(["appstreamcli", "validate", "--no-net", metainfo], capture_output=True, text=True,
                             timeout=30)
    assert checked.returncode == 0, checked.stdout + checked.stderr
