"""The app uses other projects only through their public API: it assigns to no attribute of the
standard library's enum, PySide6, shiboken6 or keyring, and calls or reads none of their
`_`-prefixed names (nor keyring's `saved_result` cache). Such patches break silently with the next
release of the project they reach into."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "robocloud_desktop"
GUARDED = ("enum", "PySide6", "shiboken6", "shibokensupport", "keyring")
ALWAYS_FORBIDDEN = ("saved_result",)


def _guarded(module: str | None) -> bool:
    return bool(module) and any(module == name or module.startswith(name + ".") for name in GUARDED)


def _root(node: ast.expr, through_calls: bool = True) -> ast.expr:
    """The name an attribute chain starts from; through calls too unless told not to (an object a
    call returns, such as a widget, is the app's own to set up)."""
    while isinstance(node, (ast.Attribute, ast.Subscript)) or (through_calls and isinstance(node, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def problems(source: str, filename: str = "<source>") -> Iterator[str]:
    """What in `source` reaches into a guarded package: "file:line: what"."""
    tree = ast.parse(source, filename)
    guarded: set[str] = set()  # local names bound to a guarded module or to something taken from one
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _guarded(alias.name):
                    guarded.add(alias.asname or alias.name.partition(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _guarded(node.module):
            for alias in node.names:
                guarded.add(alias.asname or alias.name)
            if any(_private(alias.name) for alias in node.names):
                yield f"{filename}:{node.lineno}: imports a private name from {node.module}"
    # Variables bound to a guarded module or class (`x = keyring.backend`, `x = vars(QtCore)`,
    # `x = sys.modules.get("keyring")`) count too; and names bound to a setter (`s = type.__setattr__`).
    setters = {"setattr", "delattr"}
    changed = True
    while changed:
        changed = False
        for node in ast.walk(tree):
            if not isinstance(node, ast.Assign):
                continue
            names = [target.id for target in node.targets if isinstance(target, ast.Name)]
            if isinstance(node.value, ast.Attribute) and node.value.attr in ("__setattr__", "__delattr__"):
                bucket = setters
            elif _from_guarded(node.value, guarded, through_calls=False):
                bucket = guarded
            else:
                continue
            for name in names:
                if name not in bucket:
                    bucket.add(name)
                    changed = True

    def on_guarded(expr: ast.expr) -> bool:
        return _from_guarded(expr, guarded)

    for node in ast.walk(tree):
        where = f"{filename}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                for part in _unpacked(target):
                    if isinstance(part, (ast.Attribute, ast.Subscript)) \
                            and _from_guarded(part.value, guarded, through_calls=False):
                        yield f"{where}: assigns to or deletes {ast.unparse(part)}"
        elif isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            setter = (name in setters or name in ("__setattr__", "__delattr__")) and bool(node.args)
            if setter and (_from_guarded(node.args[0], guarded, through_calls=False) or (
                    isinstance(node.func, ast.Attribute) and name.startswith("__")
                    and _from_guarded(node.func.value, guarded, through_calls=False))):
                yield f"{where}: {name} on {ast.unparse(node.args[0])}"
            if name in ("vars", "__dict__") and node.args and on_guarded(node.args[0]):
                yield f"{where}: reads the namespace of {ast.unparse(node.args[0])}"
        elif isinstance(node, ast.Attribute):
            if node.attr in ALWAYS_FORBIDDEN:
                yield f"{where}: {ast.unparse(node)}"
            elif (_private(node.attr) or node.attr == "__dict__") and on_guarded(node.value):
                yield f"{where}: private {ast.unparse(node)}"
        elif isinstance(node, ast.Constant) and node.value in ALWAYS_FORBIDDEN:
            yield f"{where}: {node.value!r}"
        elif _module_lookup(node):
            yield f"{where}: takes {ast.unparse(node)} out of sys.modules"


def _unpacked(target: ast.expr) -> Iterator[ast.expr]:
    """What an assignment's target assigns to: itself, or each part of a tuple or list of targets."""
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _unpacked(element)
    elif isinstance(target, ast.Starred):
        yield from _unpacked(target.value)
    else:
        yield target


def _from_guarded(expr: ast.expr, guarded: set[str], through_calls: bool = True) -> bool:
    """Whether `expr` is a guarded name, an attribute of one, vars()/getattr() of one, or a guarded
    module taken out of sys.modules."""
    root = _root(expr, through_calls)
    if isinstance(root, ast.Name) and root.id in guarded:
        return True
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in ("vars", "getattr", "type") \
            and expr.args:
        return _from_guarded(expr.args[0], guarded, through_calls)
    return _module_lookup(expr)


def _module_lookup(expr: ast.expr) -> bool:
    """`sys.modules["keyring"]` or `sys.modules.get("keyring")` (any guarded module)."""
    if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Attribute) and expr.value.attr == "modules":
        key = expr.slice
    elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "get" \
            and isinstance(expr.func.value, ast.Attribute) and expr.func.value.attr == "modules" and expr.args:
        key = expr.args[0]
    else:
        return False
    return isinstance(key, ast.Constant) and isinstance(key.value, str) and _guarded(key.value)


def source_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_app_uses_enum_pyside_shiboken_and_keyring_only_through_their_public_api() -> None:
    found = [problem for path in source_files()
             for problem in problems(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent)))]
    assert found == []


@pytest.mark.parametrize("source", [
    "import enum\nenum.EnumType._create_ = lambda *a: None",
    "from enum import EnumType\nEnumType._create_ = None",
    "import enum\n_set = type.__setattr__\n_set(enum.Enum, 'x', 1)",
    "import enum\nsetattr(enum.EnumType, '_create_', None)",
    "import enum\ncreate = enum.EnumType._create_",
    "import sys\nfeature = sys.modules.get('shibokensupport.feature')\nfeature._mod_uses_pyside = len",
    "import keyring.backend\nvars(keyring.backend.get_all_keyring).pop('saved_result', None)",
    "import keyring\nkeyring.get_keyring()._query('a', 'b')",
    "from keyring.backends import SecretService\nSecretService.Keyring.appid = 'x'",
    "from PySide6.QtCore import Qt\nQt.AlignLeft = 1",
    "from PySide6 import QtCore as qc\nqc.QTimer.singleShot = None",
    "import PySide6.QtWidgets\ndel PySide6.QtWidgets.QWidget.show",
    "import keyring.core\na, keyring.core.x = 1, 2",
])
def test_the_check_finds_what_it_is_for(source: str) -> None:
    assert list(problems(source)), source


@pytest.mark.parametrize("source", [
    "from PySide6.QtCore import QTimer\nQTimer.singleShot(0, print)",
    "import keyring.core\nfrom keyring.backends import fail\nkeyring.core.set_keyring(fail.Keyring())",
    "from PySide6.QtWidgets import QWidget\nclass W(QWidget):\n    def f(self):\n        self._x = 1",
    "import enum\nclass E(enum.Enum):\n    A = 1\nE.A.value",
])
def test_the_check_leaves_ordinary_use_alone(source: str) -> None:
    assert list(problems(source)) == []
