"""Qt's enums, built as Python enums in a quarter of the time.

PySide makes every Qt enum a Python enum the first time its class is used: some 240 classes and
about 2,500 members before the window's first frame. It asks Python's functional API for each
(`IntEnum(name, [(member, value), ...])`), whose general machinery, made for enums written in
source, took 35 ms of the window's start here. `install()` has those calls build the same
classes directly, as `enum._simple_enum` does for the standard library's own enums, in about 8 ms.

The classes are the ones the standard path makes, down to what each class and member holds:
members stored on the class, aliases, the flag masks, the iteration order. Only the calls shaped
as PySide's are taken (a list of (name, int) pairs; no module, qualname or type), and only on the
Python the equality was checked on (tests/ui/test_quick_enums.py compares every enum of QtCore,
QtGui and QtWidgets); anywhere else the standard path runs, as if nothing were installed.
"""

from __future__ import annotations

import enum
import sys
from typing import Any

CHECKED_ON = (3, 11)  # the enum internals mirrored below are those of this Python
_BASES = (enum.Enum, enum.IntEnum, enum.Flag, enum.IntFlag)
_set = type.__setattr__  # EnumType.__setattr__ guards members being reassigned; none exist yet
_standard_create = enum.EnumType._create_


def install() -> bool:
    """Take PySide's enum calls from now on. False (and nothing changed) on another Python."""
    if sys.version_info[:2] != CHECKED_ON:
        return False
    enum.EnumType._create_ = _create_  # type: ignore[method-assign]
    return True


def build(base: type[enum.Enum], name: str, members: list[tuple[str, int]], boundary: Any,
          module: str | None) -> Any:
    """The class `base(name, members, boundary=boundary, module=module)` makes."""
    member_type = base._member_type_
    new_member = member_type.__new__
    use_args = base._use_args_
    is_flag = issubclass(base, enum.Flag)
    names: list[str] = []
    by_name: dict[str, Any] = {}
    by_value: dict[Any, Any] = {}
    body: dict[str, Any] = {
        "__module__": module, "__doc__": None, "_new_member_": new_member, "_use_args_": use_args,
        "_generate_next_value_": base._generate_next_value_, "_member_names_": names, "_member_map_": by_name,
        "_value2member_map_": by_value, "_unhashable_values_": [], "_member_type_": member_type,
        "_value_repr_": base._value_repr_,
    }
    if is_flag:
        body.update(_boundary_=boundary or base._boundary_, _flag_mask_=None, _all_bits_=None, _singles_mask_=None,
                    _inverted_=None, __or__=enum.Flag.__or__, __xor__=enum.Flag.__xor__, __and__=enum.Flag.__and__,
                    __ror__=enum.Flag.__ror__, __rxor__=enum.Flag.__rxor__, __rand__=enum.Flag.__rand__,
                    __invert__=enum.Flag.__invert__)
    cls = enum.EnumType(name, (base,), body, boundary=boundary, _simple=True)
    # What EnumType.__new__ does after the members, which _simple=True leaves out: the enum's own
    # repr and friends over the mixed-in type's, and Enum.__new__ (pickling relies on both).
    for method in ("__repr__", "__str__", "__format__", "__reduce_ex__"):
        if getattr(cls, method) in (getattr(member_type, method), getattr(object, method)):
            _set(cls, method, getattr(base, method))
    _set(cls, "__new__", enum.Enum.__new__)
    single_bits = multi_bits = 0
    for member_name, value in members:
        alias_of = by_value.get(value)
        if alias_of is not None:
            by_name[member_name] = alias_of
            _set(cls, member_name, alias_of)
            continue
        member = new_member(cls, value) if use_args else new_member(cls)
        member._value_ = value
        member._name_ = member_name
        member.__objclass__ = cls
        member._sort_order_ = len(names)
        by_name[member_name] = by_value[value] = member
        _set(cls, member_name, member)
        if not is_flag:
            names.append(member_name)
        elif value and not value & (value - 1):  # one bit: a canonical flag
            names.append(member_name)
            single_bits |= value
        else:  # several bits (or none): a member, but not iterated over
            multi_bits |= value
    if is_flag:
        cls._flag_mask_ = single_bits | multi_bits
        cls._singles_mask_ = single_bits
        cls._all_bits_ = 2 ** (single_bits | multi_bits).bit_length() - 1
        values = [member._value_ for member in cls]
        if values != sorted(values):
            cls._iter_member_ = cls._iter_member_by_def_
    return cls


def _is_pysides_call(base: type, members: object, module: object, qualname: object, type_: object,
                     start: object) -> bool:
    return (base in _BASES and module is None and qualname is None and type_ is None and start == 1
            and isinstance(members, list)
            and all(type(m) is tuple and len(m) == 2 and type(m[0]) is str and type(m[1]) is int for m in members))


def _create_(cls: type[enum.Enum], class_name: str, names: Any, *, module: str | None = None,
             qualname: str | None = None, type: Any = None, start: int = 1, boundary: Any = None) -> Any:
    # The module the standard path names: that of the code running when the enum was asked for
    # (frames: this function, EnumType.__call__, then that code). PySide renames it afterwards.
    try:
        caller = sys._getframe(2).f_globals["__name__"]
    except (ValueError, KeyError):  # no such code: the standard path makes the class unpicklable
        caller = None
    if caller is None or not _is_pysides_call(cls, names, module, qualname, type, start):
        # Named here: looking one frame up from inside, the standard path would now find EnumType.
        return _standard_create(cls, class_name, names, module=module if module is not None else caller,
                                qualname=qualname, type=type, start=start, boundary=boundary)
    return build(cls, class_name, names, boundary, caller)
