"""One subscriber's buffer of events: bounded, and safe to cancel.

Senders do not wait here one by one: the channel checks ``has_room`` on every subscriber and
appends to all of them at once, so a cancelled send has delivered to nobody rather than to some.
A ``get`` that is cancelled has taken nothing.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic

from sdk.types._vars import T


class Buffer(Generic[T]):
    __slots__ = ("_errors", "_getters", "_items", "_maxsize", "_room_waiters")

    def __init__(self, maxsize: int | None = None) -> None:
        self._items: deque[T] = deque()
        self._maxsize = maxsize or 0
        self._getters: deque[asyncio.Future[None]] = deque()
        self._room_waiters: list[asyncio.Future[None]] = []
        self._errors: deque[BaseException] = deque()

    def __len__(self) -> int:
        return len(self._items)

    def empty(self) -> bool:
        return not self._items

    def has_room(self) -> bool:
        return not self._maxsize or len(self._items) < self._maxsize

    def put_nowait(self, item: T) -> None:
        """Append without waiting: only after ``has_room()`` said so."""
        self._items.append(item)
        if self._getters:
            self._wake_getter()

    async def wait_room(self) -> None:
        """Return once there is room (or the buffer was closed)."""
        while not self.has_room():
            waiter = asyncio.get_running_loop().create_future()
            self._room_waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._room_waiters:
                    self._room_waiters.remove(waiter)

    async def get(self) -> T:
        """The next item, or the next exception thrown in, whichever came first."""
        while True:
            if self._errors:
                raise self._errors.popleft()
            if self._items:
                break
            waiter = asyncio.get_running_loop().create_future()
            self._getters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter in self._getters:
                    self._getters.remove(waiter)
                elif self._items or self._errors:
                    self._wake_getter()  # it was woken for an item: pass that on
                raise
        item = self._items.popleft()
        if self._room_waiters:
            self._wake_room_waiters()
        return item

    def throw(self, error: BaseException) -> None:
        """Make the reader's next ``get`` raise ``error``."""
        self._errors.append(error)
        if self._getters:
            self._wake_getter()

    def close(self) -> None:
        """Nobody reads this buffer any more: drop what it holds, release waiting senders."""
        self._items.clear()
        self._maxsize = 0
        self._wake_room_waiters()

    def _wake_getter(self) -> None:
        while self._getters:
            waiter = self._getters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _wake_room_waiters(self) -> None:
        waiters, self._room_waiters = self._room_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
