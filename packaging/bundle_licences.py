"""The licence notices of what the bundle ships: the app's own, each bundled Python distribution's
(from its dist-info metadata), Python's, Qt's LGPL notice and, on Debian-like systems, the copyright
files of the system libraries PyInstaller copied in.

Used by robocloud-desktop.spec once PyInstaller's analysis knows what goes into the bundle.
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

# Names a licence file goes by when the metadata does not list it (older wheels).
LICENCE_NAME = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE|AUTHORS|COPYRIGHT)", re.IGNORECASE)
HERE = Path(__file__).resolve().parent
GNU_TEXTS = ("LGPL-3.0-only.txt", "GPL-3.0-only.txt")


@dataclass(frozen=True)
class Bundled:
    """What PyInstaller's analysis put into the bundle."""

    modules: frozenset[str]  # dotted names of the Python modules
    files: frozenset[str]  # destination paths (POSIX) of the binaries and data files
    sources: frozenset[str]  # where the binaries came from on this machine


def bundled(pure: Iterable[tuple[str, str, str]], binaries: Iterable[tuple[str, str, str]],
            datas: Iterable[tuple[str, str, str]]) -> Bundled:
    binaries = list(binaries)
    return Bundled(
        modules=frozenset(name for name, _, _ in pure),
        files=frozenset(PurePosixPath(Path(dest).as_posix()).as_posix() for dest, _, _ in [*binaries, *datas]),
        sources=frozenset(src for _, src, _ in binaries if src),
    )


def _module_name(path: PurePosixPath) -> str | None:
    if path.suffix != ".py":
        return None
    parts = list(path.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) or None


def _ships(dist: importlib.metadata.Distribution, what: Bundled) -> bool:
    for file in dist.files or []:
        path = PurePosixPath(str(file))
        if path.as_posix() in what.files or _module_name(path) in what.modules:
            return True
    return False


def _licence_files(dist: importlib.metadata.Distribution) -> list[importlib.metadata.PackagePath]:
    listed = {PurePosixPath(name).as_posix() for name in dist.metadata.get_all("License-File") or []}
    found = []
    for file in dist.files or []:
        path = PurePosixPath(str(file))
        if not path.parts[0].endswith(".dist-info"):
            continue
        inside = PurePosixPath(*path.parts[1:])
        # PEP 639 puts them under .dist-info/licenses/, older setuptools at the top of .dist-info.
        below_licences = PurePosixPath(*inside.parts[1:]) if inside.parts[:1] == ("licenses",) else inside
        if below_licences.as_posix() in listed or LICENCE_NAME.match(path.name):
            found.append(file)
    return found


def _licence_words(dist: importlib.metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 80:
        return text
    return ", ".join(classifiers) or ("see the licence files" if text else "not stated in its metadata")


def _python_licence() -> Path | None:
    for candidate in (Path(sysconfig.get_path("stdlib")) / "LICENSE.txt", Path(sys.base_prefix) / "LICENSE.txt"):
        if candidate.is_file():
            return candidate
    return None


def _debian_packages(sources: Iterable[str]) -> dict[str, set[str]]:
    """Debian package -> bundled system libraries it provides, for libraries from outside Python and
    its packages (libssl, libffi, ...). Empty where there is no dpkg."""
    if shutil.which("dpkg-query") is None:
        return {}
    prefixes = (sys.prefix, sys.base_prefix, *(p for p in sys.path if p.endswith("site-packages")))
    system = sorted({s for s in sources if not s.startswith(prefixes) and Path(s).is_absolute()})
    owners: dict[str, set[str]] = {}
    for source in system:
        resolved = Path(source).resolve()
        # With a merged /usr, dpkg knows /usr/lib/... while the loader reports /lib/...
        candidates = {source, str(resolved)}
        candidates |= {f"/usr{c}" for c in list(candidates) if not c.startswith("/usr/")}
        for candidate in sorted(candidates):
            answer = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
            if answer.returncode == 0:
                package = answer.stdout.split(":", 1)[0].strip()
                owners.setdefault(package, set()).add(Path(source).name)
                break
    return owners


def _qt_notice(version: str, qt_version: str) -> str:
    return f"""Qt {qt_version} and Qt for Python (PySide6 {version}, shiboken6)

This bundle contains the Qt libraries and Qt for Python by The Qt Company Ltd and other contributors.
They are used under the GNU Lesser General Public License version 3 (LGPL-3.0-only; its text is in
LGPL-3.0-only.txt, which adds to the GPL-3.0-only.txt beside it).

They are dynamically linked and kept as separate files in the bundle (under _internal/PySide6/ and
_internal/shiboken6/, or Contents/Frameworks/ in the macOS app): you may replace them with your own
builds of the same version, compatible with this interface. Where the bundle holds ICU's libraries
beside them (libicu*, on Linux), those are under the Unicode License v3:
https://github.com/unicode-org/icu/blob/main/LICENSE

Source code:
  Qt:             https://download.qt.io/official_releases/qt/
  Qt for Python:  https://download.qt.io/official_releases/QtForPython/
                  https://code.qt.io/cgit/pyside/pyside-setup.git/
"""


def write_licences(target: Path, what: Bundled, app_licence: Path, app_name: str, app_version: str) -> list[str]:
    """Write the notices into `target` (made afresh); returns the names of the distributions covered."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copyfile(app_licence, target / f"{app_name}.txt")
    lines = [f"{app_name} {app_version} is free software under the MIT licence ({app_name}.txt).", "",
             "It is bundled with the following software, each under its own licence; the licence files",
             "each one ships are in the folder named after it.", ""]

    seen: set[str] = set()
    covered: list[str] = []
    for dist in sorted(importlib.metadata.distributions(), key=lambda d: d.metadata["Name"].lower()):
        name = dist.metadata["Name"]
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen or key == app_name or not _ships(dist, what):
            continue
        seen.add(key)
        covered.append(name)
        folder = target / f"{name}-{dist.version}"
        folder.mkdir()
        files = _licence_files(dist)
        for file in files:
            destination = folder / PurePosixPath(str(file)).name
            destination.write_bytes(file.locate().read_bytes())
        if key in {"pyside6-essentials", "pyside6-addons", "pyside6", "shiboken6"}:
            for text in GNU_TEXTS:
                shutil.copyfile(HERE / "licenses" / text, folder / text)
            from PySide6 import QtCore  # the version of the Qt being bundled

            (folder / "NOTICE-Qt.txt").write_text(_qt_notice(dist.version, QtCore.qVersion()), encoding="utf-8")
        elif not files:
            (folder / "LICENSE-from-metadata.txt").write_text(
                (dist.metadata.get("License") or _licence_words(dist)) + "\n", encoding="utf-8")
        lines.append(f"  {name} {dist.version}: {_licence_words(dist)}")

    python = _python_licence()
    version = ".".join(map(str, sys.version_info[:3]))
    if python is not None:
        shutil.copyfile(python, target / f"Python-{version}.txt")
        lines += ["", f"  Python {version}: PSF-2.0 (Python-{version}.txt, which also covers what Python bundles)"]

    debian = _debian_packages(what.sources)
    if debian:
        lines += ["", "System libraries copied from this build machine's Debian packages (copyright files in system/):"]
        (target / "system").mkdir()
        for package, libraries in sorted(debian.items()):
            copyright_file = Path("/usr/share/doc") / package / "copyright"
            if copyright_file.is_file():
                shutil.copyfile(copyright_file, target / "system" / f"{package}.txt")
            lines.append(f"  {package}: {', '.join(sorted(libraries))}")

    (target / "README.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return covered
