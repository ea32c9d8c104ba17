"""`robocloud-desktop install-desktop-entry` puts the app into a Linux desktop's menu for the user, with an
entry that starts this copy (whatever its path holds), and `--remove` takes exactly that away again."""

from __future__ import annotations

import importlib.resources
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from robocloud_desktop import __version__, resources
from robocloud_desktop.cli.desktop_entry import Placement, desktop_entry, launch_command
from robocloud_desktop.resources import APP_ID
from robocloud_desktop.ui.look import OUTCOME_ICONS
from tests.install.conftest import ROOT
from tests.install.entries import exec_command, validate
from tests.support.cli import in_process

DESKTOP = resources.folder() / "desktop"


@pytest.fixture
def data_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The user's XDG data folder, empty; the command's log goes to a folder of the test's own."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("ROBOCLOUD_DESKTOP_HOME", str(tmp_path / "app"))
    return tmp_path / "data"


def test_the_entry_its_icon_and_metadata_go_to_the_users_data_folder(data_home: Path) -> None:
    done = in_process(["install-desktop-entry"])

    assert done.returncode == 0, done.stderr
    place = Placement(data_home)
    assert place.entry == data_home / "applications" / "org.robocloud.Desktop.desktop"
    assert place.icon == data_home / "icons" / "hicolor" / "scalable" / "apps" / "org.robocloud.Desktop.svg"
    assert place.metainfo == data_home / "metainfo" / "org.robocloud.Desktop.metainfo.xml"
    validate(place.entry, place.metainfo)
    assert exec_command(place.entry) == launch_command(False, sys.executable)  # this copy, however it is installed
    assert "Icon=org.robocloud.Desktop\n" in place.entry.read_text()
    assert place.icon.read_bytes() == (resources.folder() / "icons" / "app.svg").read_bytes()
    for path in place.files:
        assert str(path) in done.stdout
        assert path.stat().st_mode & 0o777 == 0o644  # menus and software centres read them
    assert "install-desktop-entry --remove" in done.stdout


def test_remove_takes_away_what_it_added_and_nothing_else(data_home: Path) -> None:
    assert in_process(["install-desktop-entry"]).returncode == 0
    other = data_home / "applications" / "org.example.Other.desktop"
    other.write_text("[Desktop Entry]\n")

    done = in_process(["install-desktop-entry", "--remove"])

    assert done.returncode == 0, done.stderr
    place = Placement(data_home)
    assert not [path for path in place.files if path.exists()]
    assert other.exists()
    assert all(str(path) in done.stdout for path in place.files)
    again = in_process(["install-desktop-entry", "--remove"])
    assert again.returncode == 0
    assert again.stdout == f"robocloud-desktop has no menu entry under {data_home}: nothing to remove.\n"


def test_prefix_installs_under_its_share_folder(data_home: Path, tmp_path: Path) -> None:
    done = in_process(["install-desktop-entry", "--prefix", str(tmp_path / "usr local")])

    assert done.returncode == 0, done.stderr
    assert all(path.is_file() for path in Placement(tmp_path / "usr local" / "share").files)
    assert not data_home.exists()
    assert "install-desktop-entry --remove --prefix '" in done.stdout  # quoted, to paste into a shell


def test_a_relative_xdg_data_home_is_ignored_as_the_specification_says(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")
    monkeypatch.setenv("ROBOCLOUD_DESKTOP_HOME", str(tmp_path / "app"))

    assert in_process(["install-desktop-entry"]).returncode == 0
    assert Placement(tmp_path / ".local" / "share").entry.is_file()


def test_a_folder_that_cannot_be_written_is_said_with_what_to_do(data_home: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")  # a file where the share folder would go: no write can succeed, even as root

    done = in_process(["install-desktop-entry", "--prefix", str(blocker)])

    assert done.returncode == 2
    assert "Cannot change" in done.stderr and "Check that you may write to" in done.stderr
    assert "Traceback" not in done.stderr
    assert in_process(["install-desktop-entry", "--prefix", " "]).returncode == 2


@pytest.mark.parametrize("program", [
    "/opt/Robocloud Desktop/robocloud-desktop",  # a space: quoted
    '/home/o\'neil/$HOME/"x"/`a`/back\\slash/100%/robocloud-desktop',  # every character the quoting escapes
])
def test_exec_starts_the_program_whatever_its_path_holds(program: str, tmp_path: Path) -> None:
    command = launch_command(True, program)  # a bundle: its own executable
    assert command == [program]
    entry = tmp_path / f"{APP_ID}.desktop"
    entry.write_text(desktop_entry((DESKTOP / f"{APP_ID}.desktop").read_text(), command))

    validate(entry, DESKTOP / f"{APP_ID}.metainfo.xml")
    assert exec_command(entry) == [program]
    assert f"TryExec={program}".replace("\\", "\\\\") in entry.read_text()


def test_the_metadata_names_this_version_and_the_entry() -> None:
    component = ET.parse(DESKTOP / f"{APP_ID}.metainfo.xml").getroot()
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable") == f"{APP_ID}.desktop"
    assert component.find("releases/release").get("version") == __version__  # the newest release comes first


def test_the_icons_are_the_packages_own_files() -> None:
    folder = resources.folder()
    assert folder == importlib.resources.files("robocloud_desktop.resources")
    used = {*OUTCOME_ICONS.values(), "app", "key", "key-missing"}
    assert {path.stem for path in (folder / "icons").glob("*.svg")} >= used


def test_the_script_in_packaging_runs_the_command(tmp_path: Path) -> None:
    done = subprocess.run([ROOT / "packaging" / "install-desktop-entry", "--prefix", tmp_path],
                          capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "ROBOCLOUD_DESKTOP_HOME": str(tmp_path / "app")})
    assert done.returncode == 0, done.stderr
    assert all(path.is_file() for path in Placement(tmp_path / "share").files)
