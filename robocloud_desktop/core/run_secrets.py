"""Which secret follows a run: its profile's (looked up by id, so renames do not matter), or the
environment's for runs triggered with the target spelled out on the command line."""

from __future__ import annotations

import os
from collections.abc import Mapping

from robocloud_desktop.core.monitor import SecretLookup
from robocloud_desktop.core.profiles import ProfileStore
from robocloud_desktop.core.records import RunRecord
from robocloud_desktop.core.secrets import SecretNotFound, SecretStore

PLAIN_SECRET_ENV = "ROBOCLOUD_PROCESS_SECRET"


def run_secret_lookup(profiles: ProfileStore, secrets: SecretStore,
                      environ: Mapping[str, str] | None = None) -> SecretLookup:
    env = os.environ if environ is None else environ

    def lookup(record: RunRecord) -> str:
        if not record.profile_id:
            value = env.get(PLAIN_SECRET_ENV, "").strip()
            if value:
                return value
            raise SecretNotFound(
                f"Run {record.run_id} was triggered without a profile, so no secret is stored for it. "
                f"Set {PLAIN_SECRET_ENV} to follow it."
            )
        profile = profiles.by_id(record.profile_id)
        return secrets.get(record.profile_id, profile.name if profile else record.profile_name)

    return lookup
