"""A private D-Bus session bus for tests that need a real service on it (a keyring, a notification
daemon), so that no test ever reaches the developer's own session."""

from __future__ import annotations

import subprocess
from pathlib import Path

# No service activation: a service is started by its test, never by the bus; otherwise a client's
# first call could start a second copy (a locked gnome-keyring, say) before the test's has registered.
_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={runtime}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def start_bus(home: Path, runtime: Path, env: dict[str, str]) -> tuple[str, int]:
    """Start a session bus listening in `runtime`; its address and process id."""
    config = home / "bus.conf"
    config.write_text(_CONFIG.format(runtime=runtime))
    out = subprocess.run(["dbus-daemon", f"--config-file={config}", "--print-address=1", "--print-pid=1", "--fork"],
                         env=env, capture_output=True, text=True, check=True, timeout=20).stdout
    address, pid = out.split()[:2]
    return address, int(pid)
