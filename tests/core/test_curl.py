"""Importing the curl command Control Room shows, from any shell, and writing curl commands back out."""

from __future__ import annotations

import json
import os
import re
import subprocess
import traceback

import pytest

from robocloud_desktop.core.curl import (
    KEY_PLACEHOLDER,
    MAX_COMMAND_LENGTH,
    SECRET_PLACEHOLDER,
    CurlImport,
    CurlParseError,
    parse_curl,
    render_curl,
    render_status_curl,
    status_curl_for,
    trigger_curl_for,
)
from robocloud_desktop.core.errors import InvalidTarget
from robocloud_desktop.core.target import Target, check_base_url

SECRET = "Zq7-Secret_Value.9x"
BASE = "https://api.eu1.robocloud.eu"
WS = "1a2b3c-ws"
PID = "9f8e7d-pid"
URL = f"{BASE}/workspace-v1/workspaces/{WS}/processes/{PID}/runs"
H = f"robocloud-process-secret: {SECRET}"

# Exactly what process-api.md says Control Room shows.
CONTROL_ROOM_SNIPPET = """curl
--request POST
--header "robocloud-process-secret: <SECRET>"
--header "Content-Type: application/json"
--data "{\\"workItemKey\\":\\"workItemValue\\"}"
https://api.eu1.robocloud.eu/workspace-v1/workspaces/<WORKSPACE_ID>/processes/<PROCESS_ID>/runs"""

FILLED_SNIPPET = (
    CONTROL_ROOM_SNIPPET.replace("<SECRET>", SECRET).replace("<WORKSPACE_ID>", WS).replace("<PROCESS_ID>", PID)
)
WORK_ITEM = '{"workItemKey":"workItemValue"}'


def expected(payload: str = '{"a": 1}', *, in_query: bool = False, base: str = BASE) -> CurlImport:
    return CurlImport(base, WS, PID, SECRET, in_query, payload)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        pytest.param(FILLED_SNIPPET, expected(WORK_ITEM), id="control-room-snippet"),
        pytest.param(FILLED_SNIPPET.replace("\n", " "), expected(WORK_ITEM), id="control-room-one-line"),
        pytest.param(FILLED_SNIPPET.replace("\n", "\r\n"), expected(WORK_ITEM), id="crlf"),
        pytest.param(
            f"curl --request POST --header \"{H}\" --header \"Content-Type: application/json\" "
            f"--data '{{\"a\": 1}}' {URL}",
            expected(),
            id="posix-one-line",
        ),
        pytest.param(
            f"curl --request POST \\\n  --header '{H}' \\\n  --header 'Content-Type: application/json' \\\n"
            f"  --data '{{\"a\": 1}}' \\\n  {URL}\n",
            expected(),
            id="posix-backslash-lines",
        ),
        pytest.param(
            f"curl -X POST \\\r\n  -H '{H}' \\\r\n  -d '{{\"a\": 1}}' \\\r\n  {URL}\r\n",
            expected(),
            id="posix-backslash-crlf",
        ),
        pytest.param(
            f"curl -X POST -H '{H}' -d '{{\n  \"a\": 1\n}}' {URL}",
            expected('{\n  "a": 1\n}'),
            id="single-quoted-multi-line-data",
        ),
        pytest.param(
            f"curl -X POST -H '{H}' -d '{{\"a\": \"it'\\''s\"}}' {URL}",
            expected('{"a": "it\'s"}'),
            id="posix-escaped-single-quote",
        ),
        pytest.param(
            f"curl -X POST -H '{H}' --data $'{{\"a\": \"it\\'s\\\\n\"}}' {URL}",
            expected('{"a": "it\'s\\n"}'),
            id="bash-ansi-c-quotes",
        ),
        pytest.param(
            f'curl -X POST ^\n  -H "{H}" ^\n  -H "Content-Type: application/json" ^\n'
            f'  -d "{{\\"a\\": 1}}" ^\n  {URL}',
            expected(),
            id="cmd-caret-backslash-quotes",
        ),
        pytest.param(
            f'curl.exe -X POST -H "{H}" -d "{{""a"": 1}}" {URL}',
            expected(),
            id="cmd-doubled-quotes",
        ),
        pytest.param(
            f'curl -X POST ^\r\n  -H "{H}" ^\r\n  -d "{{""a"": 1}}" ^\r\n  {URL}',
            expected(),
            id="cmd-doubled-quotes-caret-crlf",
        ),
        pytest.param(
            f'curl ^"{URL}^" ^\n  -H ^"{H}^" ^\n  --data-raw ^"^{{^\\^"a^\\^": 1^}}^"',
            expected(),
            id="cmd-caret-quotes-browser-style",
        ),
        pytest.param(
            f"curl.exe --request POST `\n  --header \"{H}\" `\n  --data '{{\"a\": 1}}' `\n  {URL}",
            expected(),
            id="powershell-backtick",
        ),
        pytest.param(
            f"curl.exe --request POST `\n  --header \"{H}\" `\n  --data '{{\\\"a\\\": 1}}' `\n  {URL}",
            expected(),
            id="powershell-5-escaped-quotes",
        ),
        pytest.param(
            f'curl.exe -X POST `\n -H "{H}" `\n -d "{{`"a`": 1}}" `\n {URL}',
            expected(),
            id="powershell-backtick-escaped-quotes",
        ),
        pytest.param(f"curl -X POST -H '{H}' -d '{{\"a\": 1}}' {URL}", expected(), id="short-forms"),
        pytest.param(f"curl -XPOST -H'{H}' -d'{{\"a\": 1}}' {URL}", expected(), id="short-forms-glued"),
        pytest.param(f'curl -X POST -H"{H}" {URL}', expected(""), id="short-header-glued-double-quotes"),
        pytest.param(
            f"curl --request=POST '--header={H}' '--data={{\"a\": 1}}' {URL}", expected(), id="equals-forms"
        ),
        pytest.param(f"curl -X POST -H '{H}' --data-raw '{{\"a\": 1}}' {URL}", expected(), id="data-raw"),
        pytest.param(f"curl -X POST -H '{H}' --data-binary '{{\"a\": 1}}' {URL}", expected(), id="data-binary"),
        pytest.param(f"curl -X POST -H '{H}' --data-ascii '{{\"a\": 1}}' {URL}", expected(), id="data-ascii"),
        pytest.param(f"curl -H '{H}' --json '{{\"a\": 1}}' {URL}", expected(), id="json-option"),
        pytest.param(f"curl --url {URL} -X POST -H '{H}' -d '{{\"a\": 1}}'", expected(), id="url-option"),
        pytest.param(f"curl {URL} -X POST -H '{H}' -d '{{\"a\": 1}}'", expected(), id="url-first"),
        pytest.param(
            f"curl -X POST -d '{{\"a\": 1}}' '{URL}?robocloud-process-secret={SECRET}'",
            expected(in_query=True),
            id="secret-in-query",
        ),
        pytest.param(
            f"curl -X POST '{URL}/?Robocloud-Process-Secret={SECRET.replace('.', '%2E')}&x=1'",
            expected("", in_query=True),
            id="secret-in-query-encoded-trailing-slash",
        ),
        pytest.param(
            f"curl -s -S -L --compressed -k --insecure -v -i -sSL -w '%{{http_code}}' -o /dev/null "
            f"-X POST -H '{H}' -d '{{\"a\": 1}}' {URL}",
            expected(),
            id="harmless-flags",
        ),
        pytest.param(
            f'curl\t-X POST\u00a0-H "{H}"   {URL} ^', expected(""), id="tab-nbsp-trailing-caret"
        ),
        pytest.param(f"curl -X POST -H '{H}' {URL} \\", expected(""), id="trailing-backslash"),
        pytest.param(f"$ curl -X POST -H '{H}' -d '{{\"a\": 1}}' {URL}", expected(), id="prompt-prefix"),
        pytest.param(
            f"curl -X POST -H 'ROBOCLOUD-PROCESS-SECRET :  {SECRET} ' {URL}", expected(""), id="header-case-spaces"
        ),
        pytest.param(f"curl -X post -H '{H}' {URL}/", expected(""), id="no-data-lowercase-method-trailing-slash"),
        pytest.param(
            f"curl -X POST -H '{H}' http://127.0.0.1:8123/prefix/workspace-v1/workspaces/{WS}/processes/{PID}/runs",
            expected("", base="http://127.0.0.1:8123/prefix"),
            id="loopback-http-port-prefix",
        ),
    ],
)
def test_parse_accepts_what_users_paste(text: str, want: CurlImport) -> None:
    got = parse_curl(text)
    assert got == want
    assert got.secret == SECRET
    assert SECRET not in repr(got)


def test_control_room_snippet_as_documented_is_refused_for_its_placeholders() -> None:
    with pytest.raises(CurlParseError, match="placeholder instead of the workspace id"):
        parse_curl(CONTROL_ROOM_SNIPPET)


def assert_secret_absent(error: CurlParseError, *secrets: str) -> None:
    shown = "\n".join([str(error), repr(error), error.message, *traceback.format_exception(error)])
    for secret in secrets:
        assert secret not in shown


HTTP_REMOTE = URL.replace("https://", "http://")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "Nothing was pasted", id="empty"),
        pytest.param(f"curl -X POST -H '{H}' -d '{{}}'", "has no URL", id="no-url"),
        pytest.param(
            f"curl -X POST -H '{H}' {BASE}/workspace-v1/workspaces/{WS}/processes/{PID}",
            f"The URL {BASE}/workspace-v1/workspaces/{WS}/processes/{PID} is not a Process API runs URL. "
            "Expected one like https://api.eu1.robocloud.eu/workspace-v1/workspaces/<workspace id>/processes/<process id>/runs.",
            id="not-a-runs-url",
        ),
        pytest.param(
            f"curl -X POST {BASE}/api/v1/workspaces/{WS}/processes/{PID}/runs?robocloud-process-secret={SECRET}",
            "is not a Process API runs URL",
            id="not-a-runs-url-with-query-secret",
        ),
        pytest.param(f"curl -X POST -H '{H}' api.eu1.robocloud.eu/x", "must start with https://", id="no-scheme"),
        pytest.param(f"curl -H '{H}' {URL}/run-123", "Paste the trigger (POST) command", id="status-url"),
        pytest.param(f"curl -X GET -H '{H}' {URL}", "uses GET", id="get-method"),
        pytest.param(f"curl -H '{H}' -X '{SECRET}' {URL}", "uses another method", id="secret-as-method"),
        pytest.param(f"curl -G -H '{H}' {URL}", "Paste the trigger (POST) command", id="get-flag"),
        pytest.param(f"curl -X POST -H 'Content-Type: application/json' -d '{{}}' {URL}", "no process secret", id="no-secret"),
        pytest.param(f"curl -X POST -H '{H} {URL}", "unbalanced ' quote", id="unbalanced-single"),
        pytest.param(f'curl -X POST -H "{H} {URL}', 'unbalanced " quote', id="unbalanced-double"),
        pytest.param(
            f"curl -X POST -H '{H}' {HTTP_REMOTE}",
            "Refusing plain http to api.eu1.robocloud.eu",
            id="plain-http-remote",
        ),
        pytest.param(
            f"curl -X POST -H '{H}' -d '{{\"a\": }}' {URL}",
            "The payload is not valid JSON: Expecting value at line 1, column 7.",
            id="payload-not-json",
        ),
        pytest.param(f"curl -X POST -H '{H}' -d '[1, 2]' {URL}", "must be a JSON object", id="payload-array"),
        pytest.param(f"curl -X POST -H robocloud-process-secret: {SECRET} {URL}", "has no value", id="header-lost-quotes"),
        pytest.param(f"curl -X POST -H '{H}' --frobnicate {URL}", "option --frobnicate", id="unknown-option"),
        pytest.param(f"curl -X POST -H '{H}' -Z {URL}", "option -Z", id="unknown-short-option"),
        pytest.param(f"curl -X POST -H '{H}' -d '{{}}' -d '{{}}' {URL}", "more than one --data", id="two-data"),
        pytest.param(f"curl -X POST -H '{H}' -d @body.json {URL}", "from a file", id="data-from-file"),
        pytest.param(f"curl -X POST -H '{H}' -F a=b {URL}", "-F", id="form"),
        pytest.param(f"curl -X POST -H '{H}' {URL} {URL}", "more than one URL", id="two-urls"),
        pytest.param(f"curl -X POST {URL} -H", "-H at the end", id="option-without-value"),
        pytest.param(f"wget --header '{H}' {URL}", "not a curl command", id="not-curl"),
        pytest.param(
            f"curl -X POST -H '{H}' '{URL}?robocloud-process-secret=Other-Secret-123'",
            "more than one different process secret",
            id="two-secrets",
        ),
        pytest.param(
            f"curl -X POST -H 'robocloud-process-secret: {SECRET} trailing' {URL}",
            "contains spaces, quotes",
            id="malformed-secret",
        ),
        pytest.param(
            f"curl -X POST '{URL}?robocloud-process-secret='", "query parameter in the URL is empty", id="empty-query"
        ),
    ],
)
def test_parse_errors_say_what_is_wrong_without_the_secret(text: str, message: str) -> None:
    with pytest.raises(CurlParseError) as caught:
        parse_curl(text)
    assert message in caught.value.message
    assert str(caught.value) == caught.value.message
    assert isinstance(caught.value, ValueError)
    assert_secret_absent(caught.value, SECRET, "trailing")


def test_plain_http_message_is_the_one_check_base_url_gives() -> None:
    with pytest.raises(InvalidTarget) as target_error:
        check_base_url("http://api.eu1.robocloud.eu")
    with pytest.raises(CurlParseError) as caught:
        parse_curl(f"curl -X POST -H '{H}' {HTTP_REMOTE}")
    assert caught.value.message == target_error.value.message


@pytest.mark.parametrize(
    "placeholder",
    ["<SECRET>", "<YOUR_SECRET>", "<your process secret>", "${SECRET}", "$ROBOCLOUD_SECRET", SECRET_PLACEHOLDER,
     "%ROBOCLOUD_SECRET%", "$env:ROBOCLOUD_SECRET", "{{secret}}", "$(cat secret.txt)"],
)
@pytest.mark.parametrize("in_query", [False, True], ids=["header", "query"])
def test_placeholder_instead_of_secret(placeholder: str, in_query: bool) -> None:
    if in_query:
        text = f"curl -X POST '{URL}?robocloud-process-secret={placeholder}'"
    else:
        text = f"curl -X POST -H 'robocloud-process-secret: {placeholder}' -d '{{}}' {URL}"
    with pytest.raises(CurlParseError, match="still has a placeholder where the process secret should be"):
        parse_curl(text)


@pytest.mark.parametrize("payload", ["{}", '{"a": 1}', '{"quote": "it\'s", "dollar": "$HOME `x` \\\\ \\""}',
                                     '{\n  "multi": ["line"]\n}', ""])
@pytest.mark.parametrize("in_query", [False, True], ids=["header", "query"])
@pytest.mark.parametrize(("workspace_id", "process_id"), [(WS, PID), ("ws with space", "p/slash")])
def test_round_trip_with_the_secret(payload: str, in_query: bool, workspace_id: str, process_id: str) -> None:
    text = render_curl(BASE, workspace_id, process_id, payload, secret_in_query=in_query, secret=SECRET)
    assert parse_curl(text) == CurlImport(BASE, workspace_id, process_id, SECRET, in_query, payload)


@pytest.mark.parametrize("in_query", [False, True], ids=["header", "query"])
def test_render_hides_the_secret_by_default(in_query: bool) -> None:
    text = render_curl(BASE, WS, PID, '{"a": 1}', secret_in_query=in_query)
    assert SECRET_PLACEHOLDER in text
    status = render_status_curl(BASE, WS, PID, "run-1", secret_in_query=in_query)
    assert SECRET_PLACEHOLDER in status
    # Rendered with the placeholder, the command reads back as "still a placeholder", never as a secret.
    with pytest.raises(CurlParseError, match="placeholder"):
        parse_curl(text)


def test_render_shape() -> None:
    assert render_curl(BASE, WS, PID, '{"a": 1}') == (
        "curl --request POST \\\n"
        '  --header "robocloud-process-secret: $ROBOCLOUD_PROCESS_SECRET" \\\n'
        '  --header "Content-Type: application/json" \\\n'
        "  --data '{\"a\": 1}' \\\n"
        f"  {URL}"
    )
    assert render_curl(BASE, WS, PID, secret_in_query=True).endswith(
        f'\n  "{URL}?robocloud-process-secret=$ROBOCLOUD_PROCESS_SECRET"'
    )
    assert render_status_curl(BASE, WS, PID, "run-1") == (
        'curl --header "robocloud-process-secret: $ROBOCLOUD_PROCESS_SECRET" \\\n'
        f"  {URL}/run-1"
    )
    assert render_status_curl(BASE, WS, PID, "run 1", secret_in_query=True, secret="a/b+c") == (
        f'curl "{URL}/run%201?robocloud-process-secret=a%2Fb%2Bc"'
    )


def test_status_command_reads_back_as_not_a_trigger() -> None:
    with pytest.raises(CurlParseError, match="trigger"):
        parse_curl(render_status_curl(BASE, WS, PID, "run-1", secret=SECRET))


@pytest.mark.parametrize("in_query", [False, True], ids=["header", "query"])
@pytest.mark.parametrize("secret", [None, SECRET])
def test_rendered_commands_mean_the_same_to_a_real_shell(in_query: bool, secret: str | None) -> None:
    payload = '{"quote": "it\'s", "dollar": "$HOME `x` \\\\ \\"", "bang": "!"}'
    text = render_curl(BASE, WS, PID, payload, secret_in_query=in_query, secret=secret)
    # A stand-in for curl that prints the arguments the shell gave it.
    script = 'curl() { printf "%s\\0" "$@"; }\n' + text
    env = {**os.environ, "ROBOCLOUD_PROCESS_SECRET": SECRET}
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=30, check=True)
    args = done.stdout.split("\0")[:-1]
    assert args[args.index("--data") + 1] == payload
    if in_query:
        assert args[-1] == f"{URL}?robocloud-process-secret={SECRET}"
    else:
        assert args[args.index("--header") + 1] == H
        assert args[-1] == URL


# --- hostile pastes: each answered correctly, in time linear in the paste -------------------------
# Sizes are far past a real command, where a quadratic step would take minutes: a regression shows as
# a very slow test (speed itself is measured by benchmarks/curl_import_scale.py).

N = 200_000
LONG_URL = "The URL is {:,} characters long, longer than a Process API runs URL can be."
PS_LINES = f"curl.exe -X POST `\n  -H \"{H}\" `\n"


def big_payload(pairs: int) -> str:
    """A JSON object of about 22 * pairs characters, with quotes, backslashes and non-ASCII text."""
    return json.dumps({f"key{i}": f'va"l\\ue ü {i}' for i in range(pairs)}, ensure_ascii=False)


def posix_double_quoted(text: str) -> str:
    return '"' + "".join("\\" + ch if ch in '\\"$`' else ch for ch in text) + '"'


@pytest.mark.parametrize(
    ("text", "want"),
    [
        pytest.param(
            f"curl -X POST -H '{H}' \\" + " " * N + f"\n  {URL}", expected(""), id="spaces-after-backslash-continuation"
        ),
        pytest.param(
            f'curl -X POST -H "{H}" ^' + " " * N + f"\n  {URL}", expected(""), id="spaces-after-caret-continuation"
        ),
        pytest.param(PS_LINES + "  " + " " * N + f"`\n  {URL}", expected(""), id="spaces-before-backtick-continuation"),
        pytest.param(f"curl -X POST -H '{H}' {URL} \\" + " " * N, expected(""), id="spaces-after-trailing-backslash"),
        pytest.param("PS C:\\" + "x" * N + f"> curl -X POST -H '{H}' {URL}", expected(""), id="long-prompt-prefix"),
        pytest.param(" \n" * (N // 2) + f"$ curl -X POST -H '{H}' {URL}", expected(""), id="blank-lines-before-prompt"),
        pytest.param(
            f"curl -X POST -H '{H}' -H 'X-Junk: " + "\x01\x7f\x1b" * (N // 3) + f"' {URL}",
            expected(""),
            id="control-characters-in-another-header",
        ),
        pytest.param(f"curl -X POST -H '{H}' -" + "s" * N + f" {URL}", expected(""), id="one-group-of-many-flags"),
        pytest.param(
            # Windows PowerShell's reading halves each run of backslashes before a quote.
            PS_LINES + "  -d '{\\\"a\\\":\\\"" + "\\" * N + "\\\"}' `\n  " + URL,
            expected('{"a":"' + "\\" * (N // 2) + '"}'),
            id="backslashes-before-a-quote-powershell-5",
        ),
    ],
)
def test_hostile_but_usable_pastes_are_read(text: str, want: CurlImport) -> None:
    assert parse_curl(text) == want


def test_a_large_payload_reads_back_exactly_from_every_shell() -> None:
    payload = big_payload(3000)  # about 80 KB: under Control Room's limit, full of characters to escape
    assert 60_000 < len(payload.encode()) < 100 * 1024
    shells = {
        "posix-single": f"curl -X POST -H '{H}' --data {render_single(payload)} {URL}",
        "posix-double": f"curl -X POST -H '{H}' --data {posix_double_quoted(payload)} {URL}",
        "bash-ansi-c": f"curl -X POST -H '{H}' --data $'"
        + payload.replace("\\", "\\\\").replace("'", "\\'").replace("ü", "\\u00fc") + f"' {URL}",
        "cmd-doubled": f'curl.exe -X POST -H "{H}" -d "' + payload.replace('"', '""') + f'" {URL}',
        "cmd-browser": f'curl ^"{URL}^" ^\n  -H ^"{H}^" ^\n  --data-raw ^"'
        + c_runtime_escaped(payload).replace('"', '^"') + '^"',
        "powershell": PS_LINES + "  -d '" + payload.replace("'", "''") + f"' `\n  {URL}",
        "powershell-5": f"curl.exe -X POST -H \"{H}\" -d '" + c_runtime_escaped(payload) + f"' {URL}",
    }
    for shell, text in shells.items():
        assert parse_curl(text) == expected(payload), shell


def c_runtime_escaped(text: str) -> str:
    """Quotes escaped for the C runtime: the backslashes before each doubled, then one more."""
    return re.sub(r'(\\*)"', lambda m: m[1] * 2 + '\\"', text)


def render_single(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("curl " + "\\" * N, LONG_URL.format(N // 2), id="backslashes"),
        pytest.param("curl " + '"' * N, "The command has no URL.", id="double-quotes"),
        pytest.param("curl " + '"' * (N + 1), 'The command has an unbalanced " quote', id="double-quotes-odd"),
        pytest.param("curl " + "'" * (N + 1), "The command has an unbalanced ' quote", id="single-quotes-odd"),
        pytest.param("curl ^\n " + "^" * N, LONG_URL.format(N // 2), id="carets"),
        pytest.param(f'curl ^"{URL}^" -H ^"{H}^" --data-raw ^"' + '^\\^"' * (N // 4), 'unbalanced " quote',
                     id="caret-quotes"),
        pytest.param("curl.exe `\n " + "`" * N, LONG_URL.format(N // 2), id="backticks"),
        pytest.param("curl \\" + " " * N + "x", "more than one URL", id="spaces-after-backslash"),
        # The last backslash and space, before the end of the paste, continue the line.
        pytest.param("curl " + "\\ " * (N // 2), LONG_URL.format(N // 2 - 1), id="escaped-spaces"),
        pytest.param("curl " + "\\ \t\n" * (N // 4), "The command has no URL.", id="continuations"),
        pytest.param(
            f"curl -H '{H}' {BASE}" + "/workspace-v1/workspaces" * (N // 24), LONG_URL.format(len(BASE) + N // 24 * 24),
            id="workspace-segments",
        ),
        pytest.param(f"curl -H '{H}' -d '{{\"a\":\"" + "x" * N + f"\"}}' {URL}",
                     f"The payload is {N + 8:,} bytes (195.3 KB); Control Room accepts at most 102,400 bytes",
                     id="huge-data"),
        pytest.param(f"curl -H '{H}' " + "-s " * (N // 3) + URL, "The command has more than 1,000 arguments",
                     id="thousands-of-flags"),
        pytest.param(f"curl -H '{H}' " + "-H 'a: b' " * (N // 10) + URL, "more than 1,000 arguments",
                     id="thousands-of-headers"),
        pytest.param(f"curl -H '{H}' -" + "s" * N + f"Z {URL}", "The curl option -Z cannot be imported",
                     id="unknown-flag-after-many"),
        pytest.param(f"curl -H '{H}' --" + "x" * N + f" {URL}", "An option of the command cannot be imported",
                     id="long-unknown-option"),
        pytest.param(f"curl -H '{H}' -d \"" + "x" * N + f" {URL}", 'unbalanced " quote', id="unbalanced-quote"),
        pytest.param("curl $'" + "\\x41" * (N // 4), "unbalanced ' quote", id="ansi-c-unbalanced"),
        pytest.param("curl " + "\0\x01" * (N // 2), LONG_URL.format(N), id="nul-and-control-characters"),
        pytest.param("\0" * N, "The pasted text is not a curl command.", id="only-nul"),
        pytest.param("2024-05-01 INFO Started the run.\n" * (N // 33), "more than 1,000 arguments", id="a-log-file"),
        pytest.param(f"curl -H '{H}' -d '" + "[" * N + f"' {URL}", "nested more than 64 levels deep", id="deep-json"),
        pytest.param(f"curl -H '{H}' -d '{{\"a\":" + "1" * N + f"}}' {URL}", f"a number with {N:,} digits",
                     id="long-number"),
    ],
)
def test_hostile_pastes_get_their_sentence(text: str, message: str | None) -> None:
    with pytest.raises(CurlParseError) as caught:
        parse_curl(text)
    if message is not None:
        assert message in caught.value.message
    # A sentence or two: what the message quotes from the paste is shortened.
    assert len(caught.value.message) < 500
    assert_secret_absent(caught.value, SECRET)


def test_a_paste_past_the_cap_is_refused_before_it_is_read() -> None:
    # A whole command with a payload far over Control Room's limit: read, it would be refused for
    # the payload's size; it is refused for its own length first.
    text = f"curl -X POST -H '{H}' -d '{{\"a\":\"" + "x" * MAX_COMMAND_LENGTH + f"\"}}' {URL}"
    with pytest.raises(CurlParseError) as caught:
        parse_curl(text)
    assert caught.value.message == (
        f"The pasted text is {len(text):,} characters long, more than a curl command can be (at most 262,144). "
        "Paste only the command Control Room shows for the process."
    )
    padded = f"curl -X POST -H '{H}' {URL}"
    padded += " " * (MAX_COMMAND_LENGTH - len(padded))
    assert parse_curl(padded) == expected("")


def test_a_url_past_its_length_is_refused_and_long_urls_are_shortened_in_messages() -> None:
    segments = "/workspace-v1/workspaces" * 80  # ~1,900 characters: under the URL's limit
    with pytest.raises(CurlParseError) as caught:
        parse_curl(f"curl -H '{H}' {BASE}{segments}")
    assert caught.value.message.startswith(f"The URL {BASE}/workspace-v1/workspaces/workspace-v1/")
    assert "…" in caught.value.message and len(caught.value.message) < 400
    # With a runs URL's tail, the shortest prefix before it is the base URL.
    got = parse_curl(f"curl -H '{H}' {BASE}{segments}/workspace-v1/workspaces/{WS}/processes/{PID}/runs")
    assert got == expected("", base=BASE + segments)
    nested = f"{BASE}/workspace-v1/workspaces/a/processes/b/runs/workspace-v1/workspaces/{WS}/processes/{PID}/runs"
    assert parse_curl(f"curl -H '{H}' {nested}") == expected(
        "", base=f"{BASE}/workspace-v1/workspaces/a/processes/b/runs")
    with pytest.raises(CurlParseError, match="reads the status of one run"):
        parse_curl(f"curl -H '{H}' {BASE}/workspace-v1/workspaces/runs/processes/x/runs/y/")


def test_an_ansi_c_escape_past_unicode_is_a_sentence() -> None:
    with pytest.raises(CurlParseError) as caught:
        parse_curl(f"curl -X POST -H '{H}' -d $'{{\"a\":\"\\UFFFFFFFF\"}}' {URL}")
    assert caught.value.message == (
        "The command has the escape \\UFFFFFFFF, past the last Unicode character (10FFFF). "
        "Fix it in the $'...' text and paste again."
    )
    assert parse_curl(f"curl -X POST -H '{H}' -d $'{{\"a\":\"\\U0001F600\\x41\"}}' {URL}").payload == (
        '{"a":"\U0001F600A"}'
    )


# --- ids and payloads from a paste are what the user meant --------------------------------------


def url_with(workspace: str, process: str = PID) -> str:
    return f"{BASE}/workspace-v1/workspaces/{workspace}/processes/{process}/runs"


@pytest.mark.parametrize(
    ("workspace", "process", "message"),
    [
        ("..", PID, "The workspace id '..' is not an id. Copy the real one from Control Room."),
        ("%2e%2e", PID, "The workspace id '..' is not an id. Copy the real one from Control Room."),
        ("%2E", PID, "The workspace id '.' is not an id. Copy the real one from Control Room."),
        (WS, ".", "The process id '.' is not an id. Copy the real one from Control Room."),
        (WS, "%2e%2E", "The process id '..' is not an id. Copy the real one from Control Room."),
        ("%20", PID, "The workspace id is empty. Copy it from Control Room."),
        (WS, "%20%09", "The process id is empty. Copy it from Control Room."),
        ("ws%00", PID, "The workspace id contains control or invisible characters. Copy it from Control Room again."),
        (WS, "p%E2%80%8Bid", "The process id contains control or invisible characters. Copy it from Control Room again."),
        (WS, "p\u200bid", "The process id contains control or invisible characters. Copy it from Control Room again."),
        ("ws\x7f", PID, "The workspace id contains control or invisible characters. Copy it from Control Room again."),
        ("ws%ff", PID, "The workspace id in the URL has percent-encoded bytes that are not UTF-8 text. "
                       "Copy the command from Control Room again."),
    ],
)
def test_ids_that_name_no_process_are_refused(workspace: str, process: str, message: str) -> None:
    with pytest.raises(CurlParseError) as caught:
        parse_curl(f"curl -X POST -H '{H}' '{url_with(workspace, process)}'")
    assert caught.value.message == message


def test_percent_encoded_ids_are_read_as_meant() -> None:
    got = parse_curl(f"curl -X POST -H '{H}' '{url_with('ws%20one', 'p%2Fslash')}'")
    assert (got.workspace_id, got.process_id) == ("ws one", "p/slash")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("[" * 100 + "]" * 100, "The payload cannot be sent: it is nested more than 64 levels deep."),
        ('{"a":' * 65 + "1" + "}" * 65, "The payload cannot be sent: it is nested more than 64 levels deep."),
        ('{"a":' + "9" * 5000 + "}", "The payload cannot be sent: it contains a number with 5,000 digits"),
        ('{"a":"\\ud800"}', "The payload cannot be sent: it contains a lone UTF-16 surrogate"),
        ('{"\\udfff":1}', "The payload cannot be sent: it contains a lone UTF-16 surrogate"),
        ('{"a":1e999}', "The payload cannot be sent: it contains the number 1e999, too large"),
        ('{"a":NaN}', "The payload cannot be sent: it contains NaN"),
    ],
)
def test_payload_problems_get_the_payload_sentence(data: str, message: str) -> None:
    with pytest.raises(CurlParseError) as caught:
        parse_curl(f"curl -X POST -H '{H}' -d '{data}' {URL}")
    assert caught.value.message.startswith(message)


def test_a_lone_surrogate_from_an_ansi_c_escape_gets_the_payload_sentence() -> None:
    with pytest.raises(CurlParseError, match="lone UTF-16 surrogate"):
        parse_curl(f"curl -X POST -H '{H}' -d $'{{\"a\":\"\\ud800\"}}' {URL}")


# --- a run's commands, as "Copy as curl" gives them: run by a real shell and a real curl ----------


def _run_copied(command: str, variable: str, value: str) -> dict:
    done = subprocess.run(["bash", "-c", command + " --silent --show-error --fail"], capture_output=True, text=True,
                          env={**os.environ, variable: value}, timeout=30, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("in_query", [False, True], ids=["header", "query"])
def test_a_runs_trigger_and_status_commands_work_with_the_secret_in_the_shell(emulator, process, in_query) -> None:
    target = Target(emulator.base_url, process.workspace_id, process.process_id, in_query)
    trigger = trigger_curl_for(target, '{"invoice": "it\'s $HOME"}')
    assert SECRET_PLACEHOLDER in trigger and process.secret not in trigger
    started = _run_copied(trigger, "ROBOCLOUD_PROCESS_SECRET", process.secret)
    status = status_curl_for(target, started["processRunId"])
    assert SECRET_PLACEHOLDER in status and "--request POST" not in status
    assert _run_copied(status, "ROBOCLOUD_PROCESS_SECRET", process.secret)["id"] == started["processRunId"]
    assert emulator.work_items_of(started["processRunId"]) == 1


def test_a_v1_runs_commands_use_the_v1_routes_and_the_workspace_key(emulator, process) -> None:
    key = emulator.add_key(process.workspace_id)
    target = Target(emulator.v1_base_url, process.workspace_id, process.process_id, api="v1")
    trigger = trigger_curl_for(target, '[{"invoice": 1}, {"invoice": 2}]')
    assert 'Authorization: RC-WSKEY $ROBOCLOUD_API_KEY' in trigger and KEY_PLACEHOLDER == "$ROBOCLOUD_API_KEY"
    assert target.v1_trigger_url() in trigger and key not in trigger
    started = _run_copied(trigger, "ROBOCLOUD_API_KEY", key)
    status = status_curl_for(target, started["id"])
    assert target.v1_run_url(started["id"]) in status and 'Authorization: RC-WSKEY $ROBOCLOUD_API_KEY' in status
    assert _run_copied(status, "ROBOCLOUD_API_KEY", key)["id"] == started["id"]
    assert emulator.work_items_of(started["id"]) == 2  # one work item per element, as the app sends them
