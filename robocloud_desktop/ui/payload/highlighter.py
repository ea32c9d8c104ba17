"""JSON colours for the payload editor: keys, strings, numbers, literals and punctuation."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from robocloud_desktop.ui.look import is_dark

# (light theme, dark theme). Each colour keeps a contrast of at least 4.5:1 against the usual
# text background of its theme (white-ish / #1e1e1e-#353535), so colour never costs readability.
COLOURS: dict[str, tuple[str, str]] = {
    "key": ("#1a4f9c", "#8cb8ff"),
    "string": ("#1e7b3c", "#8fd6a0"),
    "number": ("#a14f00", "#ffb870"),
    "literal": ("#7b2fa8", "#d4a8ff"),
    "punctuation": ("#5f6670", "#a9b0ba"),
}

# One pass over each line, leftmost token first, so digits or "true" inside a string stay string-coloured.
# A string without its closing quote runs to the end of the line: JSON strings never span lines, and
# colouring the rest as string shows where the quote is missing. QRegularExpression (not `re`) because
# its offsets are UTF-16 units, the same units setFormat() takes, so emoji do not shift the colours.
_TOKENS = QRegularExpression(
    r'(?<key>"(?:[^"\\]|\\.)*"(?=\s*:))'
    r'|(?<string>"(?:[^"\\]|\\.)*"?)'
    r"|(?<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?<literal>\b(?:true|false|null)\b)"
    r"|(?<punctuation>[{}\[\]:,])"
)


class JsonHighlighter(QSyntaxHighlighter):
    """Colours JSON line by line; call refresh_theme() when the palette switches light/dark."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._formats: dict[str, QTextCharFormat] = {}
        self._build_formats()

    def refresh_theme(self) -> None:
        self._build_formats()
        self.rehighlight()

    def colour(self, kind: str) -> QColor:
        """The colour used now for `kind` (one of COLOURS' keys)."""
        return self._formats[kind].foreground().color()

    def _build_formats(self) -> None:
        dark = is_dark()
        self._formats = {}
        for kind, (light_colour, dark_colour) in COLOURS.items():
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(dark_colour if dark else light_colour))
            if kind == "literal":
                # Bold as well as coloured: true/false/null then differ from keys without relying on hue.
                fmt.setFontWeight(QFont.Weight.Bold)
            self._formats[kind] = fmt

    def highlightBlock(self, text: str) -> None:
        matches = _TOKENS.globalMatch(text)
        while matches.hasNext():
            match = matches.next()
            for kind, fmt in self._formats.items():
                if match.capturedLength(kind) > 0:
                    self.setFormat(match.capturedStart(kind), match.capturedLength(kind), fmt)
                    break
