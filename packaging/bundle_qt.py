"""The parts of Qt the app does not use, left out of the bundle by the PySide6 hooks in hooks/.

PyInstaller's hooks bring every plugin of each Qt module the app imports. Some of those are for
embedded screens and kiosks, image formats the app never reads, Qt's own TLS (the app speaks HTTPS
through Python) or Qt's translations (the app has none); the GTK 3 platform theme would also bring
this build machine's GTK, cairo and pango libraries along, which must match the user's own. What stays
on Linux: the xcb, Wayland and offscreen platforms, the SVG image format and icon engine, input
methods and the desktop portal theme (native file dialogs under Flatpak and GNOME); on Windows and
macOS, everything those platforms' own plugins are.
"""

from __future__ import annotations

from pathlib import Path

# Plugin folders none of whose plugins the app needs.
UNUSED_PLUGIN_TYPES = {"egldeviceintegrations", "generic", "networkinformation", "tls"}
# Plugins left out of the folders that are kept, by name without "lib" and the file extension.
UNUSED_PLUGINS = {
    "platforms": {"qeglfs", "qlinuxfb", "qminimalegl", "qvnc", "qvkkhrdisplay"},
    "platformthemes": {"qgtk3"},
    "imageformats": {"qgif", "qjpeg", "qpdf", "qtga", "qtiff", "qwbmp", "qwebp"},
}


def _plugin_name(path: Path) -> str:
    name = path.name.split(".")[0]
    return name[3:] if name.startswith("lib") else name


def _used(source: str, destination: str) -> bool:
    parts = Path(destination).parts
    if "translations" in parts:
        return False
    if "plugins" not in parts or parts[-1] == "plugins":
        return True
    plugin_type = parts[parts.index("plugins") + 1]
    if plugin_type in UNUSED_PLUGIN_TYPES:
        return False
    return _plugin_name(Path(source)) not in UNUSED_PLUGINS.get(plugin_type, set())


def without_unused(hiddenimports: list[str], binaries: list[tuple[str, str]],
                   datas: list[tuple[str, str]]) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]]]:
    """A hook's (hiddenimports, binaries, datas) without the plugins and translations above."""
    return (hiddenimports, [entry for entry in binaries if _used(*entry)],
            [entry for entry in datas if _used(*entry)])
