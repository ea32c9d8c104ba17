"""What the story tabs need from the rest of the app, handed to them by the window that makes them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from robocloud_desktop.core.api_v1 import ControlRoomClient
    from robocloud_desktop.core.profiles import ProfileStore
    from robocloud_desktop.core.records import RunRecord
    from robocloud_desktop.core.secrets import SecretStore


@dataclass(frozen=True)
class StoryAccess:
    profiles: ProfileStore  # whose key reads a run
    secrets: SecretStore  # where that key is
    # Control Room API v1, made on first use: called off the GUI thread, as making it loads the HTTP stack.
    v1: Callable[[], ControlRoomClient]
    # Have the monitor look at these runs closely again (after a stop, a retry...).
    hurry: Callable[[list[RunRecord]], None]
