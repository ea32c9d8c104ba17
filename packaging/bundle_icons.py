"""Render the app's SVG icon into the icon files Windows (.ico) and macOS (.icns) want for the bundle's
executable and app, without an image library: both formats can hold PNG images as they are.

    python packaging/bundle_icons.py robocloud_desktop/resources/icons/app.svg OUT_DIR

writes OUT_DIR/robocloud-desktop.ico and OUT_DIR/robocloud-desktop.icns. It runs in a process of its own
(robocloud-desktop.spec starts it) so that Qt never loads into PyInstaller's.
"""

from __future__ import annotations

import os
import struct
import sys
import tempfile
from pathlib import Path

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# PNG-holding icns types and their pixel sizes (macOS 10.7 and later read PNG in each).
ICNS_TYPES = ((b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256), (b"ic09", 512),
              (b"ic10", 1024))


def render_pngs(svg: Path, sizes: set[int]) -> dict[int, bytes]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not an SVG image Qt can read.")
    pngs = {}
    for size in sorted(sizes):
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        pngs[size] = bytes(data.data())
    del app
    return pngs


def ico(pngs: dict[int, bytes]) -> bytes:
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, images = b"", b""
    for size, png in sorted(pngs.items()):
        side = 0 if size >= 256 else size  # 0 means 256 in an icon directory entry
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(images))
        images += png
    return header + entries + images


def icns(pngs: dict[int, bytes]) -> bytes:
    body = b"".join(kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write_atomically(path: Path, data: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as file:
        file.write(data)
    os.replace(file.name, path)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: bundle_icons.py ICON.svg OUT_DIR", file=sys.stderr)
        return 2
    svg, out = Path(argv[0]), Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    pngs = render_pngs(svg, {*ICO_SIZES, *(size for _, size in ICNS_TYPES)})
    write_atomically(out / "robocloud-desktop.ico", ico({size: pngs[size] for size in ICO_SIZES}))
    write_atomically(out / "robocloud-desktop.icns", icns(pngs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
