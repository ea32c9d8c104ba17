"""Folders that fail the way real disks do: full, or read-only. Real mounts (the tests run as root, or
with passwordless sudo), because a chmod does not stop root from writing."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _run(*command: str) -> None:
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    done = subprocess.run([*sudo, *command], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()} (these tests need root, or sudo -n)")


@contextmanager
def small_disk(folder: Path, size_kib: int = 256) -> Iterator[Path]:
    """`folder` on a tmpfs of `size_kib` KiB: writing past it fails with "No space left on device"."""
    folder.mkdir(parents=True, exist_ok=True)
    _run("mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0700", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        _run("umount", "-l", str(folder))


def fill(folder: Path) -> Path:
    """Fill the disk under `folder` to the last byte; remove the returned file to free it again."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (65536, 4096, 1):  # unbuffered, down to the last byte
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError:
                    break
    finally:
        os.close(fd)
    return filler


@contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """`folder` mounted read-only over itself while the block runs: its files stay, nothing can change."""
    _run("mount", "--bind", str(folder), str(folder))
    try:
        _run("mount", "-o", "remount,ro,bind", str(folder))
        yield folder
    finally:
        _run("umount", "-l", str(folder))
