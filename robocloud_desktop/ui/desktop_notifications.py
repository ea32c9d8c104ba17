"""The desktop's own notification service, through desktop-notifier: freedesktop notifications over
D-Bus on Linux, the native ones on Windows and macOS.

desktop-notifier is asyncio-based. Its DesktopNotifierSync runs each call to its end on the
calling thread, which would hold the GUI thread while D-Bus answers (or starts the service), and
with no loop running between calls a click on a notification is never heard of. So an asyncio
loop runs on a thread of its own, made with the first notification: the GUI thread hands it one
and goes on, and what became of it (shown, not shown, clicked) comes back as signals, which Qt
queues to the GUI thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from robocloud_desktop import resources

if TYPE_CHECKING:
    from dbus_fast.aio import MessageBus
    from desktop_notifier import DesktopNotifier

log = logging.getLogger(__name__)

SERVICE = "org.freedesktop.Notifications"
# Longer than a service started on demand takes to come up; a bus that never answers must not keep
# a run's end untold: past this it is told in the window.
ANSWER_WITHIN_S = 10.0


class DesktopNotifications(QObject):
    """Sends notifications to the desktop; each is known by the token it was sent with."""

    shown = Signal(int)  # the service took it
    missed = Signal(int)  # no service (or none that works): the app must tell it another way
    clicked = Signal(int)  # the user clicked it

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = _Service()
        # Ends with its owner (the window), through an object that does not hold on to this one.
        self.destroyed.connect(self._service.stop)

    def send(self, token: int, title: str, message: str, icon: str) -> None:
        """Hand a notification to the service; `icon` names one of the app's icons. Returns at once."""
        self._service.submit(self._send(token, title, message, icon))

    async def _send(self, token: int, title: str, message: str, icon: str) -> None:
        """On the loop's thread."""
        try:
            shown = await asyncio.wait_for(
                self._service.deliver(title, message, icon, lambda: self.clicked.emit(token)), ANSWER_WITHIN_S)
        except Exception as error:  # no bus, a service that fails or does not answer: never silent
            log.info("the desktop's notification service did not take a notification: %s",
                     str(error) or type(error).__name__)
            shown = False
        with contextlib.suppress(RuntimeError):  # the window, and this with it, were deleted meanwhile
            (self.shown if shown else self.missed).emit(token)


class _Service:
    """The loop's thread, and what is used on it only: desktop-notifier and a connection to the bus."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        # A daemon: a D-Bus call that hangs must not keep the app from ending.
        self._thread = threading.Thread(target=self._loop.run_forever, name="desktop-notifications", daemon=True)
        self._thread.start()
        self._notifier: DesktopNotifier | None = None
        self._bus: MessageBus | None = None

    def submit(self, work: Coroutine[Any, Any, None]) -> None:
        if self._loop.is_closed():  # stopped with its window: nothing more to tell
            work.close()
        else:
            asyncio.run_coroutine_threadsafe(work, self._loop)

    def stop(self) -> None:
        """End what is on its way and the thread, from the GUI thread."""
        if self._loop.is_closed():
            return
        asyncio.run_coroutine_threadsafe(self._finish(), self._loop)
        self._thread.join(1.0)
        if not self._thread.is_alive():  # else a call hangs in it: the loop is left to the daemon thread
            self._loop.close()

    async def _finish(self) -> None:
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        if self._bus is not None:
            self._bus.disconnect()
        asyncio.get_running_loop().stop()

    async def deliver(self, title: str, message: str, icon: str, on_clicked: Callable[[], None]) -> bool:
        """True once the service has the notification; False when there is none."""
        if sys.platform.startswith("linux") and not await self._service_on_bus():
            return False
        from desktop_notifier import DesktopNotifier, Icon

        icons = resources.folder() / "icons"
        if self._notifier is None:
            self._notifier = DesktopNotifier(app_name="robocloud-desktop", app_icon=Icon(path=icons / "app.svg"))
        if not await self._notifier.get_capabilities():
            return False  # no backend here: macOS outside an app bundle, Windows before 10
        dispatched: list[bool] = []
        # desktop-notifier says a failure only in its log; a notification it sent is dispatched.
        await self._notifier.send(title, message, icon=Icon(path=icons / f"{icon}.svg"),
                                  on_dispatched=lambda: dispatched.append(True), on_clicked=on_clicked)
        return bool(dispatched)

    async def _service_on_bus(self) -> bool:
        """Whether the session bus has a notification service, or can start one. Asked before each
        notification, over one connection of our own: desktop-notifier would open a new connection
        for each notification it cannot send, and keep it open."""
        if await self._ask_bus("NameHasOwner", "s", [SERVICE]) is True:
            return True
        return SERVICE in (await self._ask_bus("ListActivatableNames", "", []) or [])

    async def _ask_bus(self, method: str, signature: str, arguments: list[str]) -> Any:
        """The answer of the bus itself to `method`, None if it refused. Through dbus-fast, the D-Bus
        library desktop-notifier uses on Linux. OSError when there is no session bus."""
        from dbus_fast import Message, MessageType
        from dbus_fast.aio import MessageBus

        if self._bus is None or not self._bus.connected:
            self._bus = await MessageBus().connect()
        reply = await self._bus.call(Message(destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
                                             interface="org.freedesktop.DBus", member=method,
                                             signature=signature, body=arguments))
        return reply.body[0] if reply.message_type is MessageType.METHOD_RETURN else None
