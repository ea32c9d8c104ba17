"""What the app runs on, in words for the log's start line and for a support request: its version,
Python's, the libraries' and the operating system's.

Read without loading anything: a library the command has not loaded (PySide6 for the command line)
is found by the name of its installed metadata folder (`NAME-VERSION.dist-info`), which is quicker
than importlib.metadata (about 30 ms to load) by far.
"""

from __future__ import annotations

import functools
import os
import platform
import re
import sys

from robocloud_desktop import __version__

# Module, and the distribution it is installed as, of each library worth naming.
LIBRARIES = (("PySide6", "PySide6_Essentials"), ("keyring", "keyring"), ("requests", "requests"),
             ("urllib3", "urllib3"), ("truststore", "truststore"))


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@functools.cache
def _installed() -> dict[str, str]:
    """Distribution name (normalised) -> version, from the metadata folders on sys.path."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # a zip file, or a folder gone since
            continue
        for name in names:
            if name.endswith(".dist-info"):
                # The name part holds no "-" (the packaging spec writes it as "_").
                dist, _, version = name.removesuffix(".dist-info").partition("-")
                found.setdefault(_normal(dist), version)
    return found


def library_version(module: str, dist: str) -> str:
    """The version of a library: its module's own `__version__` once loaded, else that of its
    installed distribution; "not found" in a bundle that carries neither."""
    loaded = getattr(sys.modules.get(module), "__version__", None)
    if isinstance(loaded, str) and loaded:
        return loaded
    return _installed().get(_normal(dist)) or _installed().get(_normal(module)) or "not found"


def python_text() -> str:
    version = ".".join(str(part) for part in sys.version_info[:3])
    bundle = ", bundled" if getattr(sys, "frozen", False) else ""
    return f"{version} ({sys.implementation.name}{bundle})"


@functools.cache
def os_text() -> str:
    """The operating system, its release and the machine; on Linux the distribution and the kind
    of desktop session too (which decides the keyring and how notifications look)."""
    system, release, machine = platform.system(), platform.release(), platform.machine()
    if system == "Darwin":
        return f"macOS {platform.mac_ver()[0] or release} {machine}".strip()
    if system == "Windows":
        edition = platform.win32_edition() or ""
        return f"Windows {platform.win32_ver()[1] or release} {edition} {machine}".replace("  ", " ").strip()
    text = f"{system} {release} {machine}".strip()
    if system == "Linux":
        try:
            distribution = platform.freedesktop_os_release().get("PRETTY_NAME", "")
        except OSError:
            distribution = ""
        session = " ".join(value for value in (os.environ.get("XDG_SESSION_TYPE"),
                                               os.environ.get("XDG_CURRENT_DESKTOP")) if value)
        text += "".join(f", {part}" for part in (distribution, session) if part)
    return text


def versions(qt: str = "") -> list[tuple[str, str]]:
    """(what, version) of the app, Python, each library and the OS; `qt` is what the window knows of
    Qt at run time (its version and platform plugin), added to PySide6's."""
    rows = [("robocloud-desktop", __version__), ("Python", python_text())]
    for module, dist in LIBRARIES:
        version = library_version(module, dist)
        rows.append((module, f"{version} ({qt})" if module == "PySide6" and qt else version))
    rows.append(("OS", os_text()))
    return rows


def versions_line(qt: str = "") -> str:
    """The versions on one line: `robocloud-desktop 0.1.0; Python 3.11.7 (cpython); ...`."""
    return "; ".join(f"{name} {version}" for name, version in versions(qt))
