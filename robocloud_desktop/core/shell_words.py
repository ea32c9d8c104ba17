"""Split a pasted command line into arguments the way a POSIX shell, Windows cmd or PowerShell would.

Users paste curl commands copied from any of these; each shell quotes and continues lines its
own way, so the caller tries the readings in turn.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_BLANKS = " \t\n\u00a0"
_LINE_END = re.compile(r"[ \t]*\n")


class ShellSyntaxError(ValueError):
    """The text cannot be split into arguments; the message says why, without quoting the text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _unbalanced(quote_char: str) -> ShellSyntaxError:
    return ShellSyntaxError(f"The command has an unbalanced {quote_char} quote: it opens but never closes. "
                            "Paste the whole command again, including its last line.")


class _Tokens:
    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.current: list[str] | None = None

    def add(self, text: str) -> None:
        # Called with "" for an empty quoted argument, which still counts as an argument.
        if self.current is None:
            self.current = []
        self.current.append(text)

    def end(self) -> None:
        if self.current is not None:
            self.tokens.append("".join(self.current))
            self.current = None

    def finish(self) -> list[str]:
        self.end()
        return self.tokens


_ANSI_C_CODE = re.compile(r"x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}")
_ANSI_C = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "e": "\x1b",
           "\\": "\\", "'": "'", '"': '"', "?": "?"}


def _split_posix(text: str) -> list[str]:
    out, i = _Tokens(), 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and (end := _LINE_END.match(text, i + 1)):
            out.end()
            i = end.end()
        elif ch in _BLANKS:
            out.end()
            i += 1
        elif ch == "'":
            close = text.find("'", i + 1)
            if close < 0:
                raise _unbalanced("'")
            out.add(text[i + 1:close])
            i = close + 1
        elif ch == "$" and text.startswith("'", i + 1):
            i = _read_ansi_c(text, i + 2, out)
        elif ch == '"':
            chars, i = [], i + 1
            while i < len(text) and text[i] != '"':
                if text[i] == "\\" and text[i + 1:i + 2] in ('"', "\\", "$", "`", "\n"):
                    chars.append(text[i + 1].replace("\n", ""))
                    i += 2
                else:
                    chars.append(text[i])
                    i += 1
            if i >= len(text):
                raise _unbalanced('"')
            out.add("".join(chars))
            i += 1
        elif ch == "\\":
            out.add(text[i + 1:i + 2])
            i += 2
        else:
            out.add(ch)
            i += 1
    return out.finish()


def _read_ansi_c(text: str, i: int, out: _Tokens) -> int:
    """Bash's $'...' quoting, which browsers' "Copy as cURL" uses for bodies with quotes or newlines."""
    chars: list[str] = []
    while i < len(text):
        ch = text[i]
        if ch == "'":
            out.add("".join(chars))
            return i + 1
        if ch == "\\" and (code := _ANSI_C_CODE.match(text, i + 1)):
            chars.append(chr(int(code[0][1:], 16)))
            i = code.end()
        elif ch == "\\" and text[i + 1:i + 2] in _ANSI_C:
            chars.append(_ANSI_C[text[i + 1]])
            i += 2
        else:
            chars.append(ch)
            i += 1
    raise _unbalanced("'")


def _split_cmd(text: str) -> list[str]:
    # cmd.exe first removes its ^ escapes outside its own quotes; curl.exe then splits what is left
    # by the C runtime's rules.
    chars, quoted, i = [], False, 0
    while i < len(text):
        ch = text[i]
        if ch == "^" and not quoted:
            end = _LINE_END.match(text, i + 1)
            chars.append(" " if end else text[i + 1:i + 2])
            i = end.end() if end else i + 2
            continue
        if ch == '"':
            quoted = not quoted
        chars.append(ch)
        i += 1
    return _split_c_runtime("".join(chars))


def _split_c_runtime(text: str) -> list[str]:
    out, quoted, i = _Tokens(), False, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            run_end = i
            while run_end < len(text) and text[run_end] == "\\":
                run_end += 1
            count = run_end - i
            if text.startswith('"', run_end):
                # 2n backslashes before a quote give n and the quote delimits; 2n+1 give n and a quote.
                out.add("\\" * (count // 2) + ('"' if count % 2 else ""))
                i = run_end + (count % 2)
            else:
                out.add("\\" * count)
                i = run_end
        elif ch == '"':
            if quoted and text.startswith('"', i + 1):
                out.add('"')
                i += 2
            else:
                quoted = not quoted
                out.add("")
                i += 1
        elif ch in _BLANKS and not quoted:
            out.end()
            i += 1
        else:
            out.add(ch)
            i += 1
    if quoted:
        raise _unbalanced('"')
    return out.finish()


_PS_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "a": "\a", "b": "\b", "f": "\f", "v": "\v",
               "e": "\x1b"}


def _split_powershell(text: str) -> list[str]:
    out, i = _Tokens(), 0
    while i < len(text):
        ch = text[i]
        if ch == "`" and (end := _LINE_END.match(text, i + 1)):
            out.end()
            i = end.end()
        elif ch == "`":
            out.add(_PS_ESCAPES.get(text[i + 1:i + 2], text[i + 1:i + 2]))
            i += 2
        elif ch in _BLANKS:
            out.end()
            i += 1
        elif ch in "'\"":
            # Inside either kind of quotes, the quote written twice stands for itself.
            chars, i = [], i + 1
            while True:
                if i >= len(text):
                    raise _unbalanced(ch)
                if text[i] == ch and text.startswith(ch, i + 1):
                    chars.append(ch)
                    i += 2
                elif text[i] == ch:
                    i += 1
                    break
                elif ch == '"' and text[i] == "`" and i + 1 < len(text):
                    chars.append(_PS_ESCAPES.get(text[i + 1], text[i + 1]))
                    i += 2
                else:
                    chars.append(text[i])
                    i += 1
            out.add("".join(chars))
        else:
            out.add(ch)
            i += 1
    return out.finish()


def _split_windows_powershell(text: str) -> list[str]:
    # Windows PowerShell 5.1 hands quotes to curl.exe unescaped, so people write '{\"a\":1}' there;
    # what they mean is {"a":1}.
    return [re.sub(r'(\\+)"', lambda m: "\\" * (len(m[1]) // 2) + '"', token)
            for token in _split_powershell(text)]


def splitters(text: str) -> list[Callable[[str], list[str]]]:
    """The shells to try, the one the text most looks like first."""
    if re.search(r"`[ \t]*\n", text):
        return [_split_powershell, _split_windows_powershell, _split_posix, _split_cmd]
    if re.search(r"\^[ \t]*\n", text) or '^"' in text:
        return [_split_cmd, _split_posix, _split_powershell, _split_windows_powershell]
    return [_split_posix, _split_cmd, _split_powershell, _split_windows_powershell]
