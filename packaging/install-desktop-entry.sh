#!/usr/bin/env bash
# Add robocloud-desktop to the desktop's application menu for the current user (Linux, freedesktop).
# Run after `pip install .` so that the `robocloud-desktop` command is on PATH.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
install -Dm644 "$here/robocloud-desktop.svg" "$data/icons/hicolor/scalable/apps/robocloud-desktop.svg"
install -Dm644 "$here/robocloud-desktop.desktop" "$data/applications/robocloud-desktop.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
echo "Installed the menu entry; look for robocloud-desktop in your applications."
