"""The window on any screen: a small laptop, a 4K panel, a display scaled to 200 %, and a saved place
on a monitor that is no longer there. The whole window is opened (in a process of its own for each
screen, as Qt takes its screens once) with runs on its board, and looked at as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect

from robocloud_desktop.ui.screen_fit import PREFERRED, SMALLEST, clamp, first_geometry, smallest

ROOT = Path(__file__).resolve().parents[2]


def screen(width: int, height: int, x: int = 0, y: int = 0) -> QRect:
    return QRect(x, y, width, height)


@pytest.mark.parametrize(("available", "expected"), [
    (screen(1024, 740), (1008, 700)),  # a 1024x768 laptop less its panel: all of it, less the frame
    (screen(1920, 1040), (PREFERRED.width(), PREFERRED.height())),
    (screen(3840, 2120), (PREFERRED.width(), PREFERRED.height())),
    (screen(960, 520), (944, 480)),  # 1920x1080 at 200 %
])
def test_the_first_window_fits_the_screen_it_opens_on(available: QRect, expected: tuple[int, int]):
    place = first_geometry(available)
    assert (place.width(), place.height()) == expected
    assert available.contains(place)
    assert smallest(available).width() <= place.width() and smallest(available).height() <= place.height()


def test_the_smallest_size_is_the_usual_one_wherever_it_fits():
    assert smallest(screen(1280, 760)) == SMALLEST


def test_a_window_saved_on_a_monitor_since_unplugged_comes_back_on_the_primary_one():
    primary = screen(1920, 1040)
    place = clamp(QRect(2500, 300, 1600, 900), [primary], primary)
    assert primary.contains(place) and (place.width(), place.height()) == (1600, 900)


def test_a_window_larger_than_its_screen_is_made_to_fit_it():
    laptop, big = screen(1366, 728), screen(2560, 1400, x=1366)
    place = clamp(QRect(100, 50, 2400, 1300), [laptop, big], laptop)
    assert laptop.contains(place)
    on_big = clamp(QRect(1500, 100, 1800, 1000), [laptop, big], laptop)
    assert on_big == QRect(1500, 100, 1800, 1000)  # fits where it was: left as it was


def test_a_window_above_the_screen_keeps_its_title_bar_in_reach():
    primary = screen(1920, 1040)
    place = clamp(QRect(200, -500, 1280, 800), [primary], primary)
    assert place.top() > 0 and primary.contains(place)


# --- the whole window, rendered -----------------------------------------------------------------


def render(tmp_path: Path, width: int, height: int, scale: int = 1, saved: str | None = None) -> dict[str, Any]:
    """Open the window on one screen of this size (at this scale) in its own process; what it found."""
    config = tmp_path / "screens.json"
    config.write_text(json.dumps({"screens": [{"name": "screen", "x": 0, "y": 0, "width": width, "height": height,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "QT_SCALE_FACTOR": str(scale)}
    picture = tmp_path / f"window-{width}x{height}@{scale}.png"
    done = subprocess.run([sys.executable, "-m", "tests.ui.window_render", str(picture), *([saved] if saved else [])],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert picture.stat().st_size > 0
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("width", "height", "scale"), [
    (1024, 768, 1), (1280, 800, 1), (1920, 1080, 1), (3840, 2160, 1), (2560, 1600, 2),
])
def test_the_window_fits_every_screen_and_cuts_no_id(tmp_path, width, height, scale):
    found = render(tmp_path, width, height, scale)
    assert found["ratio"] == scale
    assert found["on_screen"], found
    assert found["outside"] == []
    assert found["cut_ids"] == []
    if found["geometry"][2] >= 1264:  # a 1280 px window, less what the screen keeps for itself
        assert not found["board_scrolls_sideways"], found["columns"]


def test_a_window_saved_on_a_monitor_that_is_gone_opens_on_the_one_there_is(tmp_path):
    found = render(tmp_path, 1280, 800, saved="3000,200,1900,1100")
    assert found["on_screen"], found
    assert found["geometry"][2] <= 1280 and found["geometry"][3] <= 800
