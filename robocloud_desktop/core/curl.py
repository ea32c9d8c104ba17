"""Turn the curl command Control Room shows into a profile, and write curl commands back out.

Users paste from a POSIX shell, Windows cmd or PowerShell, so the text is split by each shell's
rules in turn and the first reading that makes sense wins. Error messages never carry the secret.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

from robocloud_desktop.core.errors import InvalidPayload, InvalidTarget
from robocloud_desktop.core.payload import parse_payload
from robocloud_desktop.core.redact import SECRET_HEADER, SECRET_PLACEHOLDER, redact
from robocloud_desktop.core.shell_words import ShellSyntaxError, splitters
from robocloud_desktop.core.target import Target, check_base_url

_EXPECTED_URL = (
    "https://api.eu1.robocloud.eu/workspace-v1/workspaces/<workspace id>/processes/<process id>/runs"
)
_RUNS_PATH = re.compile(
    r"(?P<prefix>.*?)/workspace-v1/workspaces/(?P<ws>[^/]+)/processes/(?P<pid>[^/]+)/runs"
    r"(?:/(?P<run>[^/]+))?/?"
)
_PLACEHOLDER = re.compile(
    r"<[^<>]*>|\$\{[^}]*\}|\$\(.*\)|\$(?:env:)?[A-Za-z_]\w*|%[A-Za-z_]\w*%|\{\{[^{}]*\}\}|\{[A-Za-z_]\w*\}",
    re.IGNORECASE,
)
# What a secret can be made of; spaces or quotes mean the quoting of the command went wrong.
_SECRET_CHARS = re.compile(r"[!#-&(-~]+")
_PROMPT = re.compile(r"\A\s*(?:\$[ \t]+|PS\b[^\n>]*>[ \t]*|[A-Za-z]:\\[^\n>]*>[ \t]*)")

_VALUE_OPTIONS = {
    "-H": "header", "--header": "header",
    "-d": "data", "--data": "data", "--data-ascii": "data", "--data-binary": "data", "--json": "data",
    "--data-raw": "raw",
    "-X": "method", "--request": "method",
    "--url": "url",
    "--data-urlencode": "unsupported", "-F": "unsupported", "--form": "unsupported",
    "--form-string": "unsupported", "-T": "unsupported", "--upload-file": "unsupported",
    # Harmless for a trigger: they only take a value.
    **dict.fromkeys(
        (
            "-w", "--write-out", "-o", "--output", "-D", "--dump-header", "-A", "--user-agent", "-e",
            "--referer", "-m", "--max-time", "--connect-timeout", "--retry", "--retry-delay",
            "--retry-max-time", "-x", "--proxy", "--cacert", "--capath", "-E", "--cert", "--key", "-b",
            "--cookie", "-c", "--cookie-jar", "-u", "--user", "--resolve", "--limit-rate", "--stderr",
            "--trace", "--trace-ascii",
        ),
        "ignore",
    ),
}
_FLAG_OPTIONS = {
    "-G": "GET", "--get": "GET", "-I": "HEAD", "--head": "HEAD",
    **dict.fromkeys(
        (
            "-s", "--silent", "-S", "--show-error", "-v", "--verbose", "-i", "--include", "-L", "--location",
            "--location-trusted", "--compressed", "-k", "--insecure", "-f", "--fail", "--fail-with-body",
            "-g", "--globoff", "-N", "--no-buffer", "-#", "--progress-bar", "--no-progress-meter", "-4",
            "-6", "--ipv4", "--ipv6", "--http1.1", "--http2", "-q", "--disable", "--retry-all-errors",
            "--retry-connrefused",
        ),
        "ignore",
    ),
}


@dataclass(frozen=True)
class CurlImport:
    """What a pasted trigger command says. The secret is left out of repr on purpose."""

    base_url: str
    workspace_id: str
    process_id: str
    secret: str = field(repr=False)
    secret_in_query: bool
    payload: str


class CurlParseError(ValueError):
    """The pasted text cannot be used; `message` says what to fix and never holds the secret."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"CurlParseError({self.message!r})"


def parse_curl(text: str) -> CurlImport:
    """Read a pasted curl trigger command, or raise CurlParseError saying what is missing or wrong."""
    text = _PROMPT.sub("", text.replace("\r\n", "\n").replace("\r", "\n"), count=1)
    # A copy that stops right after a line-continuation character still means the command ends there.
    text += "\n"
    if not text.strip():
        raise CurlParseError("Nothing was pasted. Paste the curl command Control Room shows for the process.")
    first_error: CurlParseError | None = None
    for split in splitters(text):
        try:
            return _parse_tokens(split(text))
        except ShellSyntaxError as exc:
            first_error = first_error or CurlParseError(exc.message)
        except CurlParseError as exc:
            first_error = first_error or exc
    assert first_error is not None
    raise first_error


def render_curl(base_url: str, workspace_id: str, process_id: str, payload: str = "{}", *,
                secret_in_query: bool = False, secret: str | None = None) -> str:
    """A POSIX shell command that triggers the process; the secret is a variable unless given."""
    url = Target(base_url, workspace_id, process_id).runs_url()
    headers, shown_url = _secret_args(url, secret_in_query, secret)
    parts = ["curl --request POST", *headers, '--header "Content-Type: application/json"']
    if payload:
        parts.append("--data " + _single_quoted(payload))
    return " \\\n  ".join([*parts, shown_url])


def render_status_curl(base_url: str, workspace_id: str, process_id: str, run_id: str, *,
                       secret_in_query: bool = False, secret: str | None = None) -> str:
    """A POSIX shell command that reads the status of one run."""
    url = Target(base_url, workspace_id, process_id).run_url(run_id)
    headers, shown_url = _secret_args(url, secret_in_query, secret)
    if not headers:
        return f"curl {shown_url}"
    return " \\\n  ".join([f"curl {headers[0]}", shown_url])


def _secret_args(url: str, secret_in_query: bool, secret: str | None) -> tuple[list[str], str]:
    if secret_in_query:
        value = quote(secret, safe="") if secret else SECRET_PLACEHOLDER
        # Double quotes, so that the shell expands the placeholder variable.
        return [], f'"{_escape_double(url)}?{SECRET_HEADER}={value}"'
    if secret:
        return ["--header " + _single_quoted(f"{SECRET_HEADER}: {secret}")], shlex.quote(url)
    return [f'--header "{SECRET_HEADER}: {SECRET_PLACEHOLDER}"'], shlex.quote(url)


def _single_quoted(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _escape_double(text: str) -> str:
    return re.sub(r'([\\"$`])', r"\\\1", text)


# --- reading the command -------------------------------------------------------------------------


def _parse_tokens(tokens: list[str]) -> CurlImport:
    if tokens and re.split(r"[\\/]", tokens[0])[-1].lower() in ("curl", "curl.exe"):
        tokens = tokens[1:]
    elif tokens and not tokens[0].startswith("-") and "://" not in tokens[0]:
        raise CurlParseError(
            "The pasted text is not a curl command. "
            "Paste the curl command Control Room shows for the process (it starts with curl)."
        )
    command = _Command()
    command.read(tokens)
    header_secrets = command.secret_headers()
    url = command.single_url()
    base_url, workspace_id, process_id, query = _split_url(url, header_secrets)
    if command.method not in (None, "POST"):
        # Named only when it looks like a method: whatever follows -X could be a misplaced secret.
        method = command.method if re.fullmatch(r"[A-Z]{1,10}", command.method) else "another method"
        raise CurlParseError(
            f"The command uses {method}, but a run is started with POST. "
            "Paste the trigger (POST) command from the process's API page in Control Room."
        )
    query_secrets = [value.strip() for name, value in parse_qsl(query, keep_blank_values=True)
                     if name.strip().lower() == SECRET_HEADER]
    secret = _pick_secret(header_secrets, query_secrets)
    payload = command.payload()
    return CurlImport(base_url, workspace_id, process_id, secret, not header_secrets, payload)


class _Command:
    def __init__(self) -> None:
        self.headers: list[str] = []
        self.data: list[str] = []
        self.urls: list[str] = []
        self.method: str | None = None

    def read(self, tokens: list[str]) -> None:
        i = 0
        while i < len(tokens):
            token = tokens[i]
            i += 1
            if token.startswith("--") and len(token) > 2:
                name, eq, value = token.partition("=")
                if name in _VALUE_OPTIONS:
                    if not eq:
                        value = self._value_after(name, tokens, i)
                        i += 1
                    self._take(name, value)
                elif name in _FLAG_OPTIONS and not eq:
                    self._flag(name)
                else:
                    raise _unknown_option(name)
            elif token.startswith("-") and len(token) > 1:
                # Short options can be grouped (-sSL) and the last may carry its value glued on (-XPOST).
                for j in range(1, len(token)):
                    name = "-" + token[j]
                    if name in _VALUE_OPTIONS:
                        value = token[j + 1:]
                        if not value:
                            value = self._value_after(name, tokens, i)
                            i += 1
                        self._take(name, value)
                        break
                    if name not in _FLAG_OPTIONS:
                        raise _unknown_option(name)
                    self._flag(name)
            elif token:
                self.urls.append(token)

    @staticmethod
    def _value_after(name: str, tokens: list[str], i: int) -> str:
        if i >= len(tokens):
            raise CurlParseError(f"The option {name} at the end of the command has no value. "
                        "Paste the whole command again.")
        return tokens[i]

    def _take(self, name: str, value: str) -> None:
        kind = _VALUE_OPTIONS[name]
        if kind == "header":
            self.headers.append(value)
        elif kind in ("data", "raw"):
            if kind == "data" and value.startswith("@"):
                raise CurlParseError(f"The command reads its payload from a file ({name} @...). "
                            "Put the JSON itself after --data instead.")
            self.data.append(value)
        elif kind == "method":
            self.method = value.strip().upper()
        elif kind == "url":
            self.urls.append(value)
        elif kind == "unsupported":
            raise CurlParseError(f"The command sends its body with {name}, which cannot be imported. "
                        "Use --data with a JSON object instead.")

    def _flag(self, name: str) -> None:
        if _FLAG_OPTIONS[name] != "ignore":
            self.method = _FLAG_OPTIONS[name]

    def secret_headers(self) -> list[str]:
        values = []
        for header in self.headers:
            name, colon, value = header.partition(":")
            if name.strip().lower() != SECRET_HEADER:
                continue
            if not colon or not value.strip():
                raise CurlParseError(
                    f"The {SECRET_HEADER} header has no value. "
                    f'Keep the whole header in quotes: --header "{SECRET_HEADER}: <the secret>".'
                )
            values.append(value.strip())
        return values

    def single_url(self) -> str:
        if not self.urls:
            raise CurlParseError(
                "The command has no URL. Paste the whole curl command, including the https://.../runs URL."
            )
        if len(self.urls) > 1:
            raise CurlParseError(
                "The command has more than one URL, or an argument that lost its quotes. "
                "Keep only the Process API runs URL, and put each header and the data in quotes."
            )
        return self.urls[0]

    def payload(self) -> str:
        if len(self.data) > 1:
            raise CurlParseError(
                "The command has more than one --data option. Keep one, with the JSON payload."
            )
        payload = self.data[0] if self.data else ""
        try:
            parse_payload(payload)
        except InvalidPayload as exc:
            raise CurlParseError(exc.message) from None
        return payload


def _unknown_option(name: str) -> CurlParseError:
    return CurlParseError(
        f"The curl option {name} cannot be imported. Remove it from the command and paste again."
    )


def _split_url(url: str, secrets: list[str]) -> tuple[str, str, str, str]:
    """Base URL, workspace id, process id and query string of a runs URL."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise CurlParseError(
            f"The URL must start with https://. Expected a Process API runs URL like {_EXPECTED_URL}."
        )
    netloc = parts.netloc.rpartition("@")[2]
    shown = redact(urlunsplit((parts.scheme, netloc, parts.path, "", "")), *secrets)
    match = _RUNS_PATH.fullmatch(parts.path)
    if not match:
        raise CurlParseError(
            f"The URL {shown} is not a Process API runs URL. Expected one like {_EXPECTED_URL}."
        )
    if match["run"]:
        raise CurlParseError(
            "This command reads the status of one run (GET .../runs/<run id>). "
            "Paste the trigger (POST) command from the process's API page in Control Room instead."
        )
    workspace_id, process_id = unquote(match["ws"]).strip(), unquote(match["pid"]).strip()
    for what, value in (("workspace id", workspace_id), ("process id", process_id)):
        if _PLACEHOLDER.fullmatch(value):
            raise CurlParseError(
                f"The URL still has a placeholder instead of the {what}. "
                "Copy the command from the process's API page in Control Room, which fills in the real ids."
            )
    try:
        base_url = check_base_url(urlunsplit((parts.scheme, parts.netloc, match["prefix"], "", "")))
    except InvalidTarget as exc:
        raise CurlParseError(redact(exc.message, *secrets)) from None
    return base_url, workspace_id, process_id, parts.query


def _pick_secret(header_secrets: list[str], query_secrets: list[str]) -> str:
    if any(not value for value in query_secrets):
        raise CurlParseError(f"The {SECRET_HEADER} query parameter in the URL is empty. "
                    "Put the process secret after the = sign, or send it in a header instead.")
    found = set(header_secrets) | set(query_secrets)
    if not found:
        raise CurlParseError(
            f"The command has no process secret: there is neither a {SECRET_HEADER} header "
            f"nor a {SECRET_HEADER} query parameter. "
            "Add the header with the secret Control Room generated for the process."
        )
    if len(found) > 1:
        raise CurlParseError("The command carries more than one different process secret. Keep only the "
                    f"{SECRET_HEADER} header with the current secret.")
    secret = found.pop()
    if _PLACEHOLDER.fullmatch(secret):
        raise CurlParseError(
            "The command still has a placeholder where the process secret should be. "
            "Generate a secret on the process's API page in Control Room and paste that command, "
            "or type the secret in."
        )
    if not _SECRET_CHARS.fullmatch(secret):
        raise CurlParseError(
            "The process secret in the command contains spaces, quotes or characters a secret cannot have. "
            "Copy the command from Control Room again."
        )
    return secret
