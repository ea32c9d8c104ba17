"""Which secret follows a run: its profile's (looked up by id, so renames do not matter), its
workspace's key for a run of Control Room API v1, or the environment's for runs triggered with the
target spelled out on the command line."""

from __future__ import annotations

import os
from collections.abc import Mapping

from robocloud_desktop.core.monitor import SecretLookup
from robocloud_desktop.core.profiles import ProfileStore
from robocloud_desktop.core.records import RunRecord
from robocloud_desktop.core.secrets import PLAIN_KEY_ENV, SecretNotFound, SecretStore
from robocloud_desktop.core.target import API_V1

PLAIN_SECRET_ENV = "ROBOCLOUD_PROCESS_SECRET"


def run_secret_lookup(profiles: ProfileStore, secrets: SecretStore,
                      environ: Mapping[str, str] | None = None) -> SecretLookup:
    env = os.environ if environ is None else environ

    def lookup(record: RunRecord) -> str:
        v1 = record.api == API_V1
        if not record.profile_id:
            variable = PLAIN_KEY_ENV if v1 else PLAIN_SECRET_ENV
            value = env.get(variable, "").strip()
            if value:
                return value
            what = "API key" if v1 else "secret"
            raise SecretNotFound(
                f"Run {record.run_id} was triggered without a profile, so no {what} is stored for it. "
                f"Set {variable} to follow it."
            )
        profile = profiles.by_id(record.profile_id)
        name = profile.name if profile else record.profile_name
        if v1:
            # The workspace the run is in, whatever became of its profile since: the key is the workspace's.
            return secrets.get_key(record.base_url, record.workspace_id, name)
        return secrets.get(record.profile_id, name)

    return lookup
