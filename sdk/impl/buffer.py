"""One subscriber's buffer of events: bounded, and safe to cancel.

Senders do not wait here one by one: the channel checks ``has_room`` on every subscriber and
appends to all of them at once, so a cancelled send has delivered to nobody rather than to some.
A ``get`` that is cancelled has taken nothing.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Generic

from sdk.types._vars import T

if TYPE_CHECKING:
    from sdk.impl.acks import Delivery


class Raised:
    """An exception in the line of items: ``get`` raises it when its turn comes.

    A message that did not decode is done once its error was raised, not when it was queued:
    ``delivery`` is counted down then, so an error dropped unraised leaves it uncommitted.
    """

    __slots__ = ("delivery", "error")

    def __init__(self, error: BaseException, delivery: Delivery | None = None) -> None:
        self.error = error
        self.delivery = delivery


class Buffer(Generic[T]):
    """``items``, ``maxsize`` and ``getters`` are open to the channel's delivery fast path."""

    __slots__ = ("_room_waiters", "getters", "items", "maxsize")

    def __init__(self, maxsize: int | None = None) -> None:
        self.items: deque[T | Raised] = deque()
        self.maxsize = maxsize or 0
        self.getters: deque[asyncio.Future[None]] = deque()
        self._room_waiters: list[asyncio.Future[None]] = []

    def empty(self) -> bool:
        return not self.items

    def has_room(self) -> bool:
        return not self.maxsize or len(self.items) < self.maxsize

    def put_nowait(self, item: T) -> None:
        """Append without waiting: only after ``has_room()`` said so."""
        self.items.append(item)
        if self.getters:
            self.wake_getter()

    def extend(self, items: Sequence[T]) -> None:
        """Append all without waiting (only as many as ``has_room`` allows), waking a getter
        per item, as that many puts would."""
        self.items.extend(items)
        for _ in range(min(len(items), len(self.getters))):
            self.wake_getter()

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
        """The next item; an exception thrown in is raised in its turn, as if it were one."""
        while not self.items:
            waiter = asyncio.get_running_loop().create_future()
            self.getters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter in self.getters:
                    self.getters.remove(waiter)
                elif self.items:
                    self.wake_getter()  # it was woken for an item: pass that on
                raise
        return self.take()

    def take(self) -> T:
        """The next item, without waiting: only when ``items`` has one."""
        item = self.items.popleft()
        if self._room_waiters:
            self._wake_room_waiters()
        if type(item) is Raised:
            if item.delivery is not None:
                item.delivery.remaining -= 1
                item.delivery.taken = True
            raise item.error
        return item  # type: ignore[return-value]  # not Raised: checked just above

    def throw(self, error: BaseException, delivery: Delivery | None = None) -> None:
        """Make ``get`` raise ``error`` after the items already here, even in a full buffer."""
        self.items.append(Raised(error, delivery))
        if self.getters:
            self.wake_getter()

    def drop(self, dead: Callable[[object], bool]) -> None:
        """Drop the items ``dead`` says, keeping the others in order; senders waiting for room
        are released if there is room now. An error dropped is never raised."""
        if not any(dead(item) for item in self.items):
            return
        kept = [item for item in self.items if not dead(item)]
        self.items.clear()
        self.items.extend(kept)
        if self._room_waiters and self.has_room():
            self._wake_room_waiters()

    def close(self) -> None:
        """Nobody reads this buffer any more: drop what it holds, release waiting senders."""
        self.items.clear()
        self.maxsize = 0
        self._wake_room_waiters()

    def wake_getter(self) -> None:
        while self.getters:
            waiter = self.getters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _wake_room_waiters(self) -> None:
        waiters, self._room_waiters = self._room_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
