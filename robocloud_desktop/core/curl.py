"""Turn the curl command Control Room shows into a profile, and write curl commands back out.

Users paste from a POSIX shell, Windows cmd or PowerShell, so the text is split by each shell's
rules in turn and the first reading that makes sense wins. Error messages never carry the secret.

A paste can be anything (a whole log file, a binary's text), so reading one takes time linear in its
length and stops at MAX_COMMAND_LENGTH before any splitting; messages quote at most a few dozen
characters of it.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

from robocloud_desktop.core.errors import InvalidPayload, InvalidTarget
from robocloud_desktop.core.payload import check_size, parse_payload
from robocloud_desktop.core.redact import SECRET_HEADER, SECRET_PLACEHOLDER, redact
from robocloud_desktop.core.shell_words import ShellSyntaxError, splitters
from robocloud_desktop.core.target import API_V1, Target, check_base_url, check_id

# The command Control Room shows is a few hundred characters; its payload can be at most 100 KB, and
# quoting it for a shell (\" for every quote, ^\^" in cmd) can make it two or three times longer.
MAX_COMMAND_LENGTH = 256 * 1024
# Control Room's runs URLs are under 200 characters; servers refuse URLs far shorter than this.
MAX_URL_LENGTH = 2048
# What a message quotes from the paste is shortened in the middle past these lengths: the window
# wraps a message only between words and after a '/', so a longer run of other characters would be
# cut off at its edge, and a long URL would fill it.
_MAX_SHOWN_WORD = 200
_MAX_SHOWN_RUN = 40

_EXPECTED_URL = (
    "https://api.eu1.robocloud.eu/workspace-v1/workspaces/<workspace id>/processes/<process id>/runs"
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


def parse_curl(text: str, *, max_length: int | None = MAX_COMMAND_LENGTH) -> CurlImport:
    """Read a pasted curl trigger command, or raise CurlParseError saying what is missing or wrong.

    Text longer than `max_length` characters is refused before it is read (None reads any length:
    the scale benchmark uses it to time the reading itself).
    """
    if max_length is not None and len(text) > max_length:
        raise CurlParseError(
            f"The pasted text is {len(text):,} characters long, more than a curl command can be "
            f"(at most {max_length:,}). Paste only the command Control Room shows for the process."
        )
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
    raise CurlParseError(_readable(first_error.message))


def render_curl(base_url: str, workspace_id: str, process_id: str, payload: str = "{}", *,
                secret_in_query: bool = False, secret: str | None = None) -> str:
    """A POSIX shell command that triggers the process; the secret is a variable unless given."""
    url = Target(base_url, workspace_id, process_id).runs_url()
    headers, shown_url = _secret_args(url, secret_in_query, secret)
    parts = ["curl --request POST", *headers, '--header "Content-Type: application/json"']
    if payload:
        parts.append("--data " + _single_quoted(payload))
    return " \\\n  ".join([*parts, shown_url])


# The workspace API key (Control Room API v1) in a copied command: a shell variable, as the secret is.
KEY_PLACEHOLDER = "$ROBOCLOUD_API_KEY"
_KEY_HEADER = f'--header "Authorization: RC-WSKEY {KEY_PLACEHOLDER}"'


def trigger_curl_for(target: Target, payload: str) -> str:
    """A POSIX shell command that triggers the target's process with `payload` (the JSON text a run was
    started with), through the target's API; the secret or key is a shell variable. InvalidPayload
    when a v1 payload cannot be sent as work items."""
    if target.api != API_V1:
        return render_curl(target.base_url, target.workspace_id, target.process_id, payload,
                           secret_in_query=target.secret_in_query)
    from robocloud_desktop.core.api_v1 import encode_trigger_body  # the v1 client loads only for a v1 run
    from robocloud_desktop.core.json_text import JsonProblem, load_json

    try:
        value = load_json(payload) if payload.strip() else None
    except JsonProblem as problem:
        raise InvalidPayload(f"The payload is not JSON: {problem.message}.") from None
    body = encode_trigger_body(value).decode("utf-8")
    parts = ["curl --request POST", _KEY_HEADER, '--header "Content-Type: application/json"',
             "--data " + _single_quoted(body)]
    return " \\\n  ".join([*parts, shlex.quote(target.v1_trigger_url())])


def status_curl_for(target: Target, run_id: str) -> str:
    """A POSIX shell command that reads one run's status through the target's API; the secret or key
    is a shell variable."""
    if target.api != API_V1:
        return render_status_curl(target.base_url, target.workspace_id, target.process_id, run_id,
                                  secret_in_query=target.secret_in_query)
    return " \\\n  ".join([f"curl {_KEY_HEADER}", shlex.quote(target.v1_run_url(run_id))])


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


_LONG_WORD = re.compile(rf"\S{{{_MAX_SHOWN_WORD + 1},}}")
_LONG_RUN = re.compile(rf"[^\s/]{{{_MAX_SHOWN_RUN + 1},}}")


def _readable(message: str) -> str:
    message = _LONG_WORD.sub(lambda m: _elide(m[0], _MAX_SHOWN_WORD), message)
    return _LONG_RUN.sub(lambda m: _elide(m[0], _MAX_SHOWN_RUN), message)


def _elide(text: str, length: int) -> str:
    head = length * 2 // 3
    return f"{text[:head]}…{text[-(length - head - 1):]}"


def _program_name(token: str) -> str:
    return token[max(token.rfind("/"), token.rfind("\\")) + 1:].lower()


def _parse_tokens(tokens: list[str]) -> CurlImport:
    if tokens and _program_name(tokens[0]) in ("curl", "curl.exe"):
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
            # After parse_payload, which refuses lone surrogates: the text encodes.
            check_size(len(payload.encode("utf-8")))
        except InvalidPayload as exc:
            raise CurlParseError(exc.message) from None
        return payload


_OPTION_NAME = re.compile(r"--?[A-Za-z0-9#][A-Za-z0-9.-]{0,38}")


def _unknown_option(name: str) -> CurlParseError:
    # Named only when it looks like an option: a secret pasted without its header could stand here.
    shown = f"The curl option {name}" if _OPTION_NAME.fullmatch(name) else "An option of the command"
    return CurlParseError(f"{shown} cannot be imported. Remove it from the command and paste again.")


def _split_url(url: str, secrets: list[str]) -> tuple[str, str, str, str]:
    """Base URL, workspace id, process id and query string of a runs URL."""
    if len(url) > MAX_URL_LENGTH:
        raise CurlParseError(
            f"The URL is {len(url):,} characters long, longer than a Process API runs URL can be. "
            f"Expected one like {_EXPECTED_URL}."
        )
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise CurlParseError(
            f"The URL must start with https://. Expected a Process API runs URL like {_EXPECTED_URL}."
        )
    netloc = parts.netloc.rpartition("@")[2]
    found = _runs_path(parts.path)
    if found is None:
        shown = redact(urlunsplit((parts.scheme, netloc, parts.path, "", "")), *secrets)
        raise CurlParseError(
            f"The URL {shown} is not a Process API runs URL. Expected one like {_EXPECTED_URL}."
        )
    prefix, raw_ids, run = found
    if run is not None:
        raise CurlParseError(
            "This command reads the status of one run (GET .../runs/<run id>). "
            "Paste the trigger (POST) command from the process's API page in Control Room instead."
        )
    ids = []
    for what, raw in zip(("workspace id", "process id"), raw_ids, strict=True):
        try:
            value = check_id(unquote(raw, errors="strict"), what)
        except UnicodeDecodeError:
            raise CurlParseError(f"The {what} in the URL has percent-encoded bytes that are not UTF-8 text. "
                                 "Copy the command from Control Room again.") from None
        except InvalidTarget as exc:
            raise CurlParseError(redact(exc.message, *secrets)) from None
        if _PLACEHOLDER.fullmatch(value):
            raise CurlParseError(
                f"The URL still has a placeholder instead of the {what}. "
                "Copy the command from the process's API page in Control Room, which fills in the real ids."
            )
        ids.append(value)
    try:
        base_url = check_base_url(urlunsplit((parts.scheme, parts.netloc, prefix, "", "")))
    except InvalidTarget as exc:
        raise CurlParseError(redact(exc.message, *secrets)) from None
    return base_url, ids[0], ids[1], parts.query


# A runs URL's path after its prefix; None stands for an id (a non-empty segment).
_RUNS_SEGMENTS = ("workspace-v1", "workspaces", None, "processes", None, "runs", None)


def _runs_path(path: str) -> tuple[str, tuple[str, str], str | None] | None:
    """(prefix, (workspace, process), run id or None) of PREFIX/workspace-v1/workspaces/WS/processes/PID
    /runs[/RUN][/], or None. Read from the end, by segments: a pattern with a lazy prefix before the
    fixed part would try it again at every '/workspace-v1/workspaces/' of a hostile path."""
    segments = path.removesuffix("/").split("/")
    # The shortest prefix wins, as a leftmost match would: the form with a run id first.
    for tail in (7, 6):
        fixed = segments[-tail:]
        if len(segments) > tail and all(
            got == want if want else got for got, want in zip(fixed, _RUNS_SEGMENTS[:tail], strict=True)
        ):
            return "/".join(segments[:-tail]), (fixed[2], fixed[4]), fixed[6] if tail == 7 else None
    return None


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
