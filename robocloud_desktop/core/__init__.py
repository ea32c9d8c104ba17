"""The app's logic: HTTP, secrets, persistence and polling. Nothing below here imports Qt.

Where each concept lives:

- **A process to run** (where it is, which API): `target.Target`; base URLs and regions in
  `regions`, v1 workspaces in `workspaces`.
- **Profiles** (a saved process with its payload): `profile.Profile`; the file of them in
  `profile_file` (read, migrated, written atomically through `atomic`) and `profiles.ProfileStore`;
  removing one with its keyring entry in `profile_removal`; profiles made from a workspace's
  processes in `workspace_profiles`.
- **Secrets and keys**: `secrets.SecretStore` (the keyring, environment variables); which one a run
  needs in `run_secrets`; keeping them out of text in `redact`.
- **Talking to Control Room**: one session and its retry rules in `client_base` over `transport`
  (each request bounded by `deadline`, `timeouts`); the per-process secret API in `api`, Control
  Room API v1 in `api_v1`; a run's story (steps, work items, console, artifacts, stop, retry) in
  `run_story` with its results in `story_results` and downloads in `artifact_download`; what the
  answers mean in `answers`, `api_results`, `text_values`; errors in `errors`; retries in `retry`.
- **Payloads**: `payload` (checked before sending), JSON with limits in `json_text`; curl commands
  read and written in `curl` with `shell_words`.
- **Runs**: states and outcomes in `models`; one run as the history knows it in `records.RunRecord`;
  the SQLite history in `history`; following runs to their end in `monitor`, v1 runs through their
  process's run list in `list_following` and `run_lists`.
- **What went wrong**: the log file (rotated, secrets masked) in `logs`, the versions it starts with
  in `versions`, Help → Copy diagnostics' text in `diagnostics`.
- **The app's own files**: folders in `paths`; one window at a time, and one change of the profile
  file at a time, through `process_lock`; text shown as it is in `visible`.
"""
