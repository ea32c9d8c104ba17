"""What packaging/robocloud-desktop.spec relies on to make the bundle: the icon files for Windows and
macOS, which Qt plugins stay in it, and the licence notices it carries. Building and running the bundle
itself takes about a minute: `packaging/build-bundle --smoke` does that (packaging/README.md)."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImageReader

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import bundle_licences  # noqa: E402
import bundle_qt  # noqa: E402


def test_the_icon_files_hold_every_size_windows_and_macos_ask_for(qapp, tmp_path: Path) -> None:
    # A process of its own, as the spec starts it.
    subprocess.run([sys.executable, str(ROOT / "packaging" / "bundle_icons.py"),
                    str(ROOT / "robocloud_desktop" / "resources" / "icons" / "app.svg"), str(tmp_path)],
                   check=True, timeout=60)

    def sizes(path: Path) -> list[int]:
        reader = QImageReader(str(path))
        found = []
        for index in range(reader.imageCount()):
            assert reader.jumpToImage(index)
            image = reader.read()
            assert not image.isNull(), reader.errorString()
            assert image.width() == image.height()
            found.append(image.width())
        return found

    assert sizes(tmp_path / "robocloud-desktop.ico") == [16, 24, 32, 48, 64, 128, 256]
    assert sizes(tmp_path / "robocloud-desktop.icns") == [16, 32, 64, 128, 256, 512, 1024]


def test_a_broken_icon_stops_the_build_with_the_file_named(tmp_path: Path) -> None:
    broken = tmp_path / "app.svg"
    broken.write_text("<svg")
    done = subprocess.run([sys.executable, str(ROOT / "packaging" / "bundle_icons.py"), str(broken), str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"{broken} is not an SVG image" in done.stderr
    assert not (tmp_path / "robocloud-desktop.ico").exists()


def plugin(folder: str, file: str) -> tuple[str, str]:
    return f"/site/PySide6/Qt/plugins/{folder}/{file}", f"PySide6/Qt/plugins/{folder}"


@pytest.mark.parametrize("entry", [
    plugin("platforms", "libqxcb.so"), plugin("platforms", "libqwayland.so"), plugin("platforms", "libqoffscreen.so"),
    plugin("platforms", "qwindows.dll"), plugin("platforms", "libqcocoa.dylib"), plugin("styles", "qmodernwindowsstyle.dll"),
    plugin("imageformats", "libqsvg.so"), plugin("iconengines", "libqsvgicon.so"),
    plugin("platforminputcontexts", "libibusplatforminputcontextplugin.so"),
    plugin("platformthemes", "libqxdgdesktopportal.so"), plugin("wayland-shell-integration", "libxdg-shell.so"),
    plugin("xcbglintegrations", "libqxcb-glx-integration.so"),
], ids=lambda entry: Path(entry[0]).name)
def test_the_bundle_keeps_the_plugins_the_window_needs_on_each_platform(entry: tuple[str, str]) -> None:
    assert bundle_qt.without_unused([], [entry], []) == ([], [entry], [])


@pytest.mark.parametrize("entry", [
    plugin("platformthemes", "libqgtk3.so"), plugin("imageformats", "libqjpeg.so"), plugin("imageformats", "qpdf.dll"),
    plugin("tls", "libqopensslbackend.so"), plugin("platforms", "libqeglfs.so"), plugin("generic", "libqevdevmouseplugin.so"),
    ("/site/PySide6/Qt/translations/qtbase_de.qm", "PySide6/Qt/translations"),
], ids=lambda entry: Path(entry[0]).name)
def test_the_bundle_leaves_out_what_the_app_never_loads(entry: tuple[str, str]) -> None:
    assert bundle_qt.without_unused([], [entry], [entry]) == ([], [], [])


def test_the_notices_cover_what_is_bundled_and_only_that(tmp_path: Path) -> None:
    what = bundle_licences.bundled(
        pure=[("requests", "/site/requests/__init__.py", "PYMODULE"), ("requests.api", "/site/requests/api.py", "PYMODULE")],
        binaries=[("PySide6/QtCore.abi3.so", "/site/PySide6/QtCore.abi3.so", "EXTENSION")],
        datas=[])
    app_licence = ROOT / "LICENSE"
    covered = bundle_licences.write_licences(tmp_path / "LICENSES", what, app_licence, "robocloud-desktop", "9.9")

    assert covered == ["PySide6_Essentials", "requests"]
    notices = tmp_path / "LICENSES"
    assert (notices / "robocloud-desktop.txt").read_text() == app_licence.read_text()
    requests = importlib.metadata.distribution("requests")
    assert (notices / f"requests-{requests.version}" / "LICENSE").is_file()
    qt = notices / f"PySide6_Essentials-{importlib.metadata.version('PySide6_Essentials')}"
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in (qt / "LGPL-3.0-only.txt").read_text()
    assert "replace them with your own" in (qt / "NOTICE-Qt.txt").read_text()
    readme = (notices / "README.txt").read_text()
    assert "robocloud-desktop 9.9 is free software under the MIT licence" in readme
    assert f"  requests {requests.version}: Apache" in readme  # its licence, as its metadata names it
    assert "pytest" not in readme  # installed here, not bundled
    assert any(path.name.startswith("Python-") for path in notices.iterdir())
