"""One process profile, and the rules its name and fields follow before it is saved."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from robocloud_desktop.core.errors import InvalidTarget
from robocloud_desktop.core.json_text import JsonProblem, check_shape
from robocloud_desktop.core.regions import region_of
from robocloud_desktop.core.secrets import env_var_for
from robocloud_desktop.core.target import API_PROCESS_SECRET, API_V1, APIS, Target, check_base_url, check_id
from robocloud_desktop.core.workspaces import is_v1_root, v1_base_url

MAX_NAME = 80
MAX_RECENT_PAYLOADS = 10

# Shown as nothing, or as blank space indistinguishable from a space: control and format characters
# (bidi overrides, zero-width ones), surrogates, private-use and unassigned code points, line and
# paragraph separators...
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# ...and letters that draw as blank: the Hangul fillers, the halfwidth filler and the blank braille
# pattern, often used to make names that look empty or like another name.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


class ProfileError(Exception):
    """A profile cannot be saved as asked; the message says what to change."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def new_profile_id() -> str:
    import uuid  # loads `platform` too: only when a profile is made, not while the app opens

    return uuid.uuid4().hex


def hidden_character(text: str) -> str | None:
    """The first character of `text` that shows as nothing or as blank space, if any."""
    return next((ch for ch in text
                 if unicodedata.category(ch) in _HIDDEN_CATEGORIES or ch in _BLANK_LETTERS), None)


def describe_character(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {name}" if name else f"U+{ord(ch):04X}"


@dataclass(frozen=True)
class Profile:
    name: str
    base_url: str
    workspace_id: str
    process_id: str
    secret_in_query: bool = False
    payload: str = "{}"
    notes: str = ""
    recent_payloads: tuple[str, ...] = ()
    id: str = field(default_factory=new_profile_id)
    # Which API the profile speaks: the per-process secret API, or Control Room API v1 with its
    # workspace's key (then base_url is the API root, ending in /api/v1).
    api: str = API_PROCESS_SECRET
    # API v1 only: runs of the process started elsewhere (a schedule, a colleague...) come onto the board.
    follow_others: bool = True
    # When the profile was added, or moved to another process (wall clock): runs of the process
    # started elsewhere since then are the ones brought onto the board. None in files from before.
    added_at: float | None = None

    @property
    def region(self) -> str | None:
        return region_of(self.base_url)

    @property
    def uses_key(self) -> bool:
        """Whether the profile's requests carry its workspace's API key (v1), not a process secret."""
        return self.api == API_V1

    def target(self) -> Target:
        """Where this profile's process is; InvalidTarget naming the profile when a field read from
        the file cannot be used (an id that is a path step, plain http to a remote host...)."""
        try:
            return Target(self.base_url, self.workspace_id, self.process_id, self.secret_in_query, api=self.api)
        except InvalidTarget as error:
            raise InvalidTarget(
                f"The profile {self.name!r} cannot be used until it is edited: {clause(error.message)}"
            ) from None

    def validated(self) -> Profile:
        """The same profile, trimmed, or ProfileError naming the first thing wrong."""
        name = clean_name(self.name)
        if self.api not in APIS:
            raise ProfileError(f"The API {self.api!r} is not one the app speaks: use {API_PROCESS_SECRET!r} or "
                               f"{API_V1!r}.")
        if self.uses_key and self.secret_in_query:
            raise ProfileError("A profile of Control Room API v1 sends its workspace key in a header; sending it in "
                               "the query string is only for per-process secrets.")
        try:
            base_url = v1_base_url(self.base_url) if self.uses_key else _process_api_url(self.base_url)
            workspace_id = check_id(self.workspace_id, "workspace id")
            process_id = check_id(self.process_id, "process id")
        except InvalidTarget as error:
            raise ProfileError(error.message) from None
        for what, text in (("notes", self.notes), ("payload", self.payload)):
            _check_text(text, what)
        return replace(self, name=name, base_url=base_url, workspace_id=workspace_id, process_id=process_id)

    def with_payload(self, payload: str) -> Profile:
        return replace(self, payload=payload)

    def with_payload_used(self, payload: str) -> Profile:
        """Remember `payload` as the saved one and at the top of the recent list."""
        recent = (payload, *(p for p in self.recent_payloads if p != payload))[:MAX_RECENT_PAYLOADS]
        return replace(self, payload=payload, recent_payloads=recent)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["recent_payloads"] = list(self.recent_payloads)
        return data


def _process_api_url(base_url: str) -> str:
    url = check_base_url(base_url)
    if is_v1_root(url):
        raise InvalidTarget(
            f"{url} is the address of Control Room API v1, which takes a workspace API key. Choose that API "
            "for the profile, or give the per-process secret API's base URL, for example https://api.eu1.robocloud.eu."
        )
    return url


def _check_text(text: str, what: str) -> None:
    """ProfileError when `text` cannot be written as UTF-8 (a lone surrogate, from a shell argument
    that was not UTF-8)."""
    try:
        check_shape(text)
    except JsonProblem as problem:
        raise ProfileError(f"The {what} cannot be saved: {problem.message}.") from None


def clean_name(name: str) -> str:
    """The name trimmed, with runs of spaces made one; ProfileError when it cannot be a name."""
    name = name.strip()
    hidden = hidden_character(name)
    if hidden is not None:
        raise ProfileError(
            f"The profile name contains an invisible or control character ({describe_character(hidden)}). "
            "Type the name again without it."
        )
    name = " ".join(name.split())
    if not name:
        raise ProfileError("The profile needs a name.")
    if len(name) > MAX_NAME:
        raise ProfileError(f"The profile name is longer than {MAX_NAME} characters; shorten it.")
    return name


def name_clash(profiles: list[Profile], name: str, own_id: str | None = None, api: str = API_PROCESS_SECRET
               ) -> str | None:
    """Why `name` cannot be given to a profile among `profiles` (other than `own_id`), or None: a
    profile has it already (in any case), or its secret or key would be read from the same environment
    variable (`api` names the one of the profile being named). Names without a variable (no letter
    A-Z or digit) only clash by name."""
    key, variable = name.casefold(), env_var_for(name, api)
    for other in profiles:
        if other.id == own_id:
            continue
        if other.name.casefold() == key:
            return f"A profile named {name!r} already exists. Pick another name."
        # Both variables of a name end in the same suffix: one clash is a clash for either API.
        if variable is not None and env_var_for(other.name, api) == variable:
            return (f"The name {name!r} would share the environment variable {variable} with the profile "
                    f"{other.name!r}. Pick a name that differs from it in its letters A-Z or digits.")
    return None


def kind_of(value: Any) -> str:
    """What a JSON value is, in words, for messages about a file's fields."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    return {str: "text", int: "a number", float: "a number", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__)


def clause(message: str) -> str:
    """A sentence to go after a colon or in brackets: its first letter made small."""
    return message[:1].lower() + message[1:] if message[1:2].islower() or message[1:2] == " " else message
