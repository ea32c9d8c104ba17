"""Profiles made from a workspace's list of processes: one per process chosen, named after it.

Used by `profile add-from-workspace` and the window's "From workspace…" dialog alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple, Protocol

from robocloud_desktop.core.profile import MAX_NAME, Profile, hidden_character, name_clash
from robocloud_desktop.core.target import API_V1, Target
from robocloud_desktop.core.workspaces import same_workspace

if TYPE_CHECKING:
    from robocloud_desktop.core.api_results import ProcessInfo

# Listing a workspace's processes needs a target of the workspace; the process in it is not asked about.
_ANY_PROCESS = "any"


class ProcessLike(Protocol):
    """A process as Control Room API v1 lists it (core.api_results.ProcessInfo)."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


class Plan(NamedTuple):
    """What adding profiles for some of a workspace's processes would do."""

    new: list[Profile]  # a profile for each chosen process that has none yet, names made unique
    existing: list[tuple[ProcessLike, Profile]]  # chosen processes a profile already follows


def plan_profiles(profiles: Sequence[Profile], base_url: str, workspace_id: str,
                  processes: Iterable[ProcessLike], *, follow_others: bool = True) -> Plan:
    """A new profile of API v1 for each process in `processes` that no profile among `profiles`
    follows yet, named after the process: valid under the name rules, and unique among `profiles`
    and each other (a number is added where two would clash)."""
    taken = list(profiles)
    new: list[Profile] = []
    existing: list[tuple[ProcessLike, Profile]] = []
    for process in processes:
        follower = next((p for p in profiles if p.uses_key and p.process_id == process.id
                         and same_workspace(p.base_url, p.workspace_id, base_url, workspace_id)), None)
        if follower is not None:
            existing.append((process, follower))
            continue
        profile = Profile(name_for(process, taken), base_url, workspace_id, process.id, api=API_V1,
                          follow_others=follow_others)
        new.append(profile)
        taken.append(profile)
    return Plan(new, existing)


def name_for(process: ProcessLike, profiles: Sequence[Profile]) -> str:
    """The process's name as a profile name no profile among `profiles` has (nor its environment
    variable): invisible characters dropped (those that part words, such as tabs, made spaces), cut
    to the longest name allowed, "Name (2)" where "Name" is taken; the process id when the name
    leaves nothing."""
    base = _shown(process.name) or _shown(process.id) or "Process"
    candidate, number = base[:MAX_NAME].rstrip(), 1
    while name_clash(list(profiles), candidate, api=API_V1) is not None:
        number += 1
        suffix = f" ({number})"
        candidate = base[:MAX_NAME - len(suffix)].rstrip() + suffix
    return candidate


def _shown(text: str) -> str:
    kept = "".join(" " if ch.isspace() else ch for ch in text if ch.isspace() or hidden_character(ch) is None)
    return " ".join(kept.split())


def list_processes(base_url: str, workspace_id: str, key: str, *, request_timeout: float | None = None
                   ) -> list[ProcessInfo]:
    """The workspace's processes, sorted by name, asked of Control Room with `key`. The client's
    errors as they are: KeyRejected (401), PermissionMissing (403, naming Processes.read_processes)..."""
    from robocloud_desktop.core.api_v1 import ControlRoomClient  # the HTTP stack loads only for this

    target = Target(base_url, workspace_id, _ANY_PROCESS, api=API_V1)
    client = ControlRoomClient() if request_timeout is None else ControlRoomClient(request_timeout=request_timeout)
    with client:
        processes = client.list_processes(target, key)
    return sorted(processes, key=lambda p: (p.name.casefold(), p.id))
