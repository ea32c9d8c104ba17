"""Qt's enums built the quick way are the classes Python's standard enum path makes."""

from __future__ import annotations

import enum
import sys
from typing import Any

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from robocloud_desktop.ui import quick_enums

pytestmark = pytest.mark.skipif(sys.version_info[:2] != quick_enums.CHECKED_ON,
                                reason="the quick path is taken only on the Python it mirrors")


def pyside_enums() -> list[type[enum.Enum]]:
    """Every enum of the Qt modules the app uses, nested ones (Qt.AlignmentFlag) included."""
    found: dict[int, type[enum.Enum]] = {}

    def visit(owner: Any) -> None:
        for name in dir(owner):
            try:
                value = getattr(owner, name)
            except Exception:  # some attributes need an instance or a platform
                continue
            if isinstance(value, enum.EnumType) and value.__module__.startswith("PySide6"):
                found.setdefault(id(value), value)
            elif isinstance(value, type) and value.__module__.startswith("PySide6") and owner is not value:
                if isinstance(owner, type):
                    continue  # one level of nesting is all Qt has
                visit(value)

    for module in (QtCore, QtGui, QtWidgets):
        visit(module)
    return list(found.values())


def the_call(pyside_enum: type[enum.Enum]) -> tuple[type[enum.Enum], str, list[tuple[str, int]], Any]:
    """The (base, name, members, boundary) PySide asks Python for, read back from its class."""
    base = next(b for b in pyside_enum.__mro__[1:] if b in (enum.IntFlag, enum.Flag, enum.IntEnum, enum.Enum))
    members = [(name, int(member.value)) for name, member in pyside_enum.__members__.items()]
    return base, pyside_enum.__name__, members, enum.KEEP


def differences(quick: Any, standard: Any) -> list[str]:
    found = []
    if set(vars(quick)) != set(vars(standard)):
        found.append(f"class keys {set(vars(quick)) ^ set(vars(standard))}")
    for key in ("_member_names_", "_value_repr_", "_use_args_", "_member_type_", "_new_member_", "_boundary_",
                "_flag_mask_", "_singles_mask_", "_all_bits_", "_iter_member_", "__new__", "__repr__", "__str__",
                "__format__", "__reduce_ex__", "__doc__", "__module__"):
        mine, theirs = getattr(quick, key, None), getattr(standard, key, None)
        if getattr(mine, "__func__", mine) != getattr(theirs, "__func__", theirs):  # methods: the same function
            found.append(f"{key}: {mine!r} != {theirs!r}")
    for name, member in standard.__members__.items():
        twin = quick.__members__.get(name)
        if twin is None:
            found.append(f"no member {name}")
            continue
        if vars(quick).get(name) is not twin:  # stored on the class, as the standard path does
            found.append(f"{name} not on the class")
        if (twin.name, twin.value, twin._sort_order_, sorted(vars(twin))) != (
                member.name, member.value, member._sort_order_, sorted(vars(member))):
            found.append(f"member {name}")
        if (repr(twin), str(twin), format(twin)) != (repr(member), str(member), format(member)):
            found.append(f"text of {name}")
    if [m.name for m in quick] != [m.name for m in standard]:
        found.append("iteration")
    return found


def test_every_qt_enum_is_built_as_the_standard_path_builds_it() -> None:
    enums = pyside_enums()
    assert len(enums) > 500  # QtCore, QtGui and QtWidgets have some 600
    problems = {}
    for pyside_enum in enums:
        base, name, members, boundary = the_call(pyside_enum)
        quick = quick_enums.build(base, name, members, boundary, __name__)
        standard = quick_enums._standard_create(base, name, members, module=__name__, boundary=boundary)
        if found := differences(quick, standard):
            problems[pyside_enum.__qualname__] = found
    assert problems == {}


def test_a_flag_built_the_quick_way_behaves_as_qt_code_expects() -> None:
    assert quick_enums.install()
    # The shape of PySide's call: a flag with an alias, a mask of several bits and a zero.
    Align = enum.IntFlag("Align", [("NoAlign", 0), ("Left", 1), ("Right", 2), ("Start", 1), ("Both", 3),
                                   ("Top", 32)], boundary=enum.KEEP)
    assert Align.Start is Align.Left and list(Align) == [Align.Left, Align.Right, Align.Top]
    assert Align.Left | Align.Right == Align.Both and (Align.Left | Align.Top) & Align.Top
    assert Align(64 | 1).value == 65  # unknown bits kept, as Qt's flags need
    assert int(Align.Top) == 32 and Align.Top == 32
    assert ~Align.Left & Align.Right
    assert Align.__module__ == __name__  # the standard path names the calling code's module


def test_calls_of_other_shapes_take_the_standard_path() -> None:
    assert quick_enums.install()
    # Names as a string, and a module given: not PySide's shape, so Python's own machinery.
    Colour = enum.Enum("Colour", "RED GREEN", module=__name__)
    assert [c.name for c in Colour] == ["RED", "GREEN"] and Colour.RED.value == 1
    assert differences(Colour, quick_enums._standard_create(enum.Enum, "Colour", "RED GREEN", module=__name__)) == []
    # With no module given, the class is still named after the code that made it (pickling needs it).
    Size = enum.Enum("Size", "S M L")
    assert Size.__module__ == __name__


def test_on_another_python_nothing_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    # Another Python cannot be run here; what it would see is this version check.
    monkeypatch.setattr(quick_enums, "CHECKED_ON", (3, 0))
    monkeypatch.setattr(enum.EnumType, "_create_", quick_enums._standard_create)
    assert not quick_enums.install()
    assert enum.EnumType._create_ is quick_enums._standard_create
