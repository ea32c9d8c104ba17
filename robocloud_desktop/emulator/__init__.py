"""A Process API emulator on loopback for demo mode, tests and benchmarks (stdlib only)."""

from .runs import EmulatedProcess
from .server import Emulator, Fault, RecordedRequest
from .storage import StorageRequest

__all__ = ["EmulatedProcess", "Emulator", "Fault", "RecordedRequest", "StorageRequest"]
