"""Python's cyclic garbage collector, paused while the app loads.

Start-up creates tens of thousands of objects that live as long as the app does (modules, classes,
Qt's enums) and almost no garbage, yet the collector would walk them again and again as they pile
up: about 9 ms of the window's start here. The installed command pauses it first thing
(`robocloud_desktop.launch`); a command turns it back on before it starts working; the window,
once its first frame is drawn, or two seconds after its event loop starts if it is never drawn
(started hidden or minimised): whichever comes first.
"""

from __future__ import annotations

import gc


def pause_collector() -> None:
    gc.disable()


def startup_done() -> None:
    """The app is up: collect garbage again, leaving the objects made while loading out of every
    later collection (they stay for good, and walking them would only lengthen each pause)."""
    if not gc.isenabled():  # paused by the installed command; otherwise (embedded, tests) left as it is
        gc.freeze()
        gc.enable()
