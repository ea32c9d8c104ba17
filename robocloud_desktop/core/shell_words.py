"""Split a pasted command line into arguments the way a POSIX shell, Windows cmd or PowerShell would.

Users paste curl commands copied from any of these; each shell quotes and continues lines its
own way, so the caller tries the readings in turn.

Every splitter runs in time linear in the length of the text, whatever it holds: each step takes
a whole run of one kind (plain characters, blanks, a quoted string, escaped pairs) with a pattern
that cannot backtrack (possessive quantifiers, and no pattern starts inside a run it would rescan).
A paste is arbitrary text, so a pattern that backtracks is a way to hang the window.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_BLANK = r" \t\n\u00a0"
# A curl command has a few dozen arguments at most. Past this many, splitting stops: thousands of
# options are not a command anyone copied, and each argument costs time in every shell's reading.
MAX_ARGUMENTS = 1000


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
            if len(self.tokens) == MAX_ARGUMENTS:
                raise ShellSyntaxError(f"The command has more than {MAX_ARGUMENTS:,} arguments; a curl command "
                                       "has a few dozen at most. Paste only the command Control Room shows.")
            self.tokens.append("".join(self.current))
            self.current = None

    def finish(self) -> list[str]:
        self.end()
        return self.tokens


# A word is plain characters and quoted strings that need no unescaping (no backslash in POSIX double
# quotes; no backtick or doubled quote in PowerShell's), taken in one step: its argument is its text
# without the quotes. Matched from the start of such a word, this finds exactly its quoted strings.
_QUOTED_PARTS = re.compile(r"""'([^']*+)'|"([^"]*+)\"""")


def _unquote_word(word: str) -> str:
    single, double = "'" in word, '"' in word
    if single and double:
        return _QUOTED_PARTS.sub(r"\1\2", word)
    # With one kind of quote only, every one of them opens or closes a quoted string.
    return word.replace("'", "") if single else word.replace('"', "") if double else word


# --- POSIX shells ---------------------------------------------------------------------------------

_POSIX = re.compile(
    rf"""(?P<continuation>\\[ \t]*+\n)
    |(?P<blank>[{_BLANK}]++)
    |(?P<word>(?:[^{_BLANK}\\'"$]++|\$(?!')|'[^']*+'|"[^"\\]*+")++)
    |(?P<escaped>(?:\\(?![ \t]*+\n).)++)
    |\$'(?P<ansi_c>(?:[^'\\]++|\\.)*+)'
    |"(?P<double>(?:[^"\\]++|\\.)*+)\"""",
    re.DOTALL | re.VERBOSE,
)
# Inside double quotes a backslash escapes only these; before a newline it joins the lines.
_DOUBLE_ESCAPE = re.compile(r'\\(?:([\\"$`])|\n)')
_ANSI_C_ESCAPE = re.compile(r"\\(?:([xuU])([0-9a-fA-F]+)|([ntrabfve\\'\"?]))")
_ANSI_C_DIGITS = {"x": 2, "u": 4, "U": 8}
_ANSI_C = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "e": "\x1b",
           "\\": "\\", "'": "'", '"': '"', "?": "?"}


def _split_posix(text: str) -> list[str]:
    out, i, end = _Tokens(), 0, len(text)
    while i < end:
        match = _POSIX.match(text, i)
        if match is None:
            # What no alternative takes: an opening quote that never closes, or a backslash at the end.
            if text[i] == "\\":
                out.add("")
                i += 1
                continue
            raise _unbalanced('"' if text[i] == '"' else "'")
        kind = match.lastgroup
        value = match[kind]  # type: ignore[index]
        if kind in ("continuation", "blank"):
            out.end()
        elif kind == "word":
            out.add(_unquote_word(value))
        elif kind == "escaped":
            out.add(value[1::2])  # backslash-character pairs: the characters
        elif kind == "double":
            out.add(_DOUBLE_ESCAPE.sub(r"\1", value))
        else:
            out.add(_ANSI_C_ESCAPE.sub(_ansi_c_char, value))
        i = match.end()
    return out.finish()


def _ansi_c_char(match: re.Match[str]) -> str:
    """Bash's $'...' escapes, which browsers' "Copy as cURL" uses for bodies with quotes or newlines."""
    if match[3]:
        return _ANSI_C[match[3]]
    kind, digits = match[1], match[2]
    used = digits[:_ANSI_C_DIGITS[kind]]
    code = int(used, 16)
    if code > 0x10FFFF:
        raise ShellSyntaxError(f"The command has the escape \\{kind}{used}, past the last Unicode character "
                               "(10FFFF). Fix it in the $'...' text and paste again.")
    return chr(code) + digits[len(used):]


# --- Windows cmd and the C runtime -----------------------------------------------------------------

# cmd.exe first removes its ^ escapes outside its own quotes; curl.exe then splits what is left by
# the C runtime's rules. An escaped quote (^") does not open or close cmd's quoting.
_CMD = re.compile(
    r"""(?P<kept>(?:[^"^]++|"[^"]*+"?)++)
    |(?P<continuation>\^[ \t]*+\n)
    |(?P<escaped>(?:\^(?![ \t]*+\n).)++)
    |(?P<lone>\^)""",
    re.DOTALL | re.VERBOSE,
)


def _cmd_unescape(match: re.Match[str]) -> str:
    kind = match.lastgroup
    if kind == "kept":
        return match[0]
    if kind == "continuation":
        return " "
    if kind == "escaped":
        return match[0][1::2]
    return ""  # a ^ at the very end escapes nothing


def _split_cmd(text: str) -> list[str]:
    return _split_c_runtime(_CMD.sub(_cmd_unescape, text))


# Outside quotes a word of plain characters, backslashes that precede no quote and quoted strings
# with neither backslashes nor quotes inside is taken at once: without its quotes, it is the argument.
_C_OUTSIDE = re.compile(
    rf"""(?P<word>(?:[^\\"{_BLANK}]++|\\++(?!")|"[^\\"]*+"(?!"))++)
    |(?P<backslashes>\\++)
    |(?P<blank>[{_BLANK}]++)
    |(?P<quotes>"++)""",
    re.VERBOSE,
)
_C_INSIDE = re.compile(r'(?P<plain>(?:[^\\"]++|\\++(?!"))++)|(?P<backslashes>\\++)|(?P<quotes>"++)')


def _split_c_runtime(text: str) -> list[str]:
    out, quoted, i, end = _Tokens(), False, 0, len(text)
    while i < end:
        match = (_C_INSIDE if quoted else _C_OUTSIDE).match(text, i)
        assert match is not None  # the alternatives cover every character
        kind = match.lastgroup
        i = match.end()
        if kind == "backslashes":
            count = len(match[0])
            if text.startswith('"', i):
                # 2n backslashes before a quote give n and the quote delimits; 2n+1 give n and a quote.
                out.add("\\" * (count // 2) + ('"' if count % 2 else ""))
                i += count % 2
            else:
                out.add(match[0])
        elif kind == "blank":
            out.end()
        elif kind == "word":
            out.add(match[0].replace('"', ""))
        elif kind == "plain":
            out.add(match[0])
        else:
            # A run of quotes: outside, the first opens; inside, each pair stands for one quote and an
            # odd one left over closes.
            count = len(match[0])
            if not quoted:
                quoted, count = True, count - 1
            out.add('"' * (count // 2))
            if count % 2:
                quoted = False
    if quoted:
        raise _unbalanced('"')
    return out.finish()


# --- PowerShell ------------------------------------------------------------------------------------

_POWERSHELL = re.compile(
    rf"""(?P<continuation>`[ \t]*+\n)
    |(?P<blank>[{_BLANK}]++)
    |(?P<word>(?:[^{_BLANK}`'"]++|'[^']*+'(?!')|"[^"`]*+"(?!"))++)
    |(?P<escaped>(?:`(?![ \t]*+\n).)++)
    |'(?P<single>(?:[^']++|'')*+)'
    |"(?P<double>(?:[^"`]++|""|`.)*+)\"""",
    re.DOTALL | re.VERBOSE,
)
_PS_ESCAPES = str.maketrans({"n": "\n", "t": "\t", "r": "\r", "0": "\0", "a": "\a", "b": "\b", "f": "\f",
                             "v": "\v", "e": "\x1b"})
_PS_DOUBLE = re.compile(r'`(.)|""', re.DOTALL)


def _ps_double_char(match: re.Match[str]) -> str:
    return match[1].translate(_PS_ESCAPES) if match[1] is not None else '"'


def _split_powershell(text: str) -> list[str]:
    out, i, end = _Tokens(), 0, len(text)
    while i < end:
        match = _POWERSHELL.match(text, i)
        if match is None:
            if text[i] == "`":  # a backtick at the very end escapes nothing
                out.add("")
                i += 1
                continue
            raise _unbalanced(text[i])
        kind = match.lastgroup
        value = match[kind]  # type: ignore[index]
        if kind in ("continuation", "blank"):
            out.end()
        elif kind == "word":
            out.add(_unquote_word(value))
        elif kind == "escaped":
            out.add(value[1::2].translate(_PS_ESCAPES))
        elif kind == "single":
            out.add(value.replace("''", "'"))  # inside quotes, the quote written twice stands for itself
        else:
            out.add(_PS_DOUBLE.sub(_ps_double_char, value))
        i = match.end()
    return out.finish()


# Only at the start of a run of backslashes: started inside one, the pattern would rescan the rest of
# the run from every position, which is quadratic in the run's length.
_ESCAPED_QUOTE = re.compile(r'(?<!\\)(\\++)"')


def _split_windows_powershell(text: str) -> list[str]:
    # Windows PowerShell 5.1 hands quotes to curl.exe unescaped, so people write '{\"a\":1}' there;
    # what they mean is {"a":1}.
    return [_ESCAPED_QUOTE.sub(lambda m: "\\" * (len(m[1]) // 2) + '"', token)
            for token in _split_powershell(text)]


_POWERSHELL_CONTINUATION = re.compile(r"`[ \t]*+\n")
_CMD_CONTINUATION = re.compile(r"\^[ \t]*+\n")


def splitters(text: str) -> list[Callable[[str], list[str]]]:
    """The shells to try, the one the text most looks like first."""
    if _POWERSHELL_CONTINUATION.search(text):
        return [_split_powershell, _split_windows_powershell, _split_posix, _split_cmd]
    if _CMD_CONTINUATION.search(text) or '^"' in text:
        return [_split_cmd, _split_posix, _split_powershell, _split_windows_powershell]
    return [_split_posix, _split_cmd, _split_powershell, _split_windows_powershell]
