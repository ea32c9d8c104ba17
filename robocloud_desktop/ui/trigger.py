"""What pressing Trigger does, off the GUI thread: secret, request, history, remembered payload."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from robocloud_desktop.core.errors import OutcomeUnknown
from robocloud_desktop.core.profiles import Profile, ProfileError
from robocloud_desktop.ui.services import Services

if TYPE_CHECKING:
    from robocloud_desktop.core.records import RunRecord


NOTHING_STARTED = ("Control Room started no run: it had no work items waiting for the process. Nothing was "
                   "sent twice; trigger again with a payload to start one.")


class UnsureTrigger(Exception):
    """The trigger was sent but its answer was lost (`error`): it is kept in `record`, under a local id,
    so that it shows on the board and Trigger asks before sending again. `warning`: why it is not in
    the run history ('' when it is)."""

    def __init__(self, error: OutcomeUnknown, record: RunRecord, warning: str) -> None:
        super().__init__(error.message)
        self.error, self.record, self.warning = error, record, warning


class TriggerJob:
    """Callable for Background.run; returns (record, warning) where warning is '' when all went well,
    or (None, why) when Control Room answered that it started no run."""

    def __init__(self, services: Services, profile: Profile, payload: dict[str, Any] | list[Any], text: str) -> None:
        self.services, self.profile, self.payload, self.text = services, profile, payload, text

    def __call__(self) -> tuple[RunRecord | None, str]:
        services, profile = self.services, self.profile
        history = services.history  # opened before sending: a run the app could not follow is not started
        secret = services.secrets.credential_for(profile)  # the process secret, or the workspace's key
        target = profile.target()
        try:
            run = services.client.trigger(target, secret, self.payload)
        except OutcomeUnknown as error:
            record, warning = history.remember_unsure_trigger(target, self.payload, profile_id=profile.id,
                                                              profile_name=profile.name)
            raise UnsureTrigger(error, record, warning) from error
        if not run.started:
            return None, NOTHING_STARTED
        # From here on the run exists: problems with our own files are warnings, never errors.
        record, warning = history.remember_trigger(run, target, self.payload, profile_id=profile.id,
                                                            profile_name=profile.name)
        warnings = [warning] if warning else []
        try:
            text = self.text
            services.profiles.change(profile.id, lambda latest: latest.with_payload_used(text))
        except (OSError, ProfileError) as error:
            warnings.append(f"The payload could not be remembered for the profile ({error}).")
        return record, " ".join(warnings)
