"""``Hub``: what a channel and all its clones share: the subscribers and the delivery order.

Channels and topics both deliver through one: every subscriber gets every event, in order; a
full subscriber makes senders wait in line; nothing is dropped.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, Generic

from sdk.impl.buffer import Buffer
from sdk.impl.events import Event
from sdk.impl.futures import FutureMessage
from sdk.impl.messages import InMemoryMessage
from sdk.types._vars import KT, VT
from sdk.types.messages import CREATE_TIME, LOG_APPEND_TIME, Headers

if TYPE_CHECKING:
    from sdk.impl.acks import Delivery

logger = logging.getLogger(__name__)
_now = time.time


_HandOver = Callable[[FutureMessage[KT, VT]], Coroutine[Any, Any, None]]
"""What hands a message over: to the subscribers (a channel), or to the producer (a topic)."""


class Hub(Generic[KT, VT]):
    """What a channel and all its clones share: the subscribers and the delivery order."""

    def __init__(self, maxsize: int | None) -> None:
        self.maxsize = maxsize
        self.subscribers: tuple[Buffer[Event[KT, VT]], ...] = ()
        self.pending: Buffer[Event[KT, VT]] = Buffer(maxsize)
        self.targets: tuple[Buffer[Event[KT, VT]], ...] = (self.pending,)
        """Who gets the next event: the subscribers, or while there are none, ``pending``."""
        self._waiting = 0
        self._reader: Buffer[Event[KT, VT]] | None = None
        self.ended = False
        """Set by ``end`` until reading begins again: ``get()`` then raises StopAsyncIteration."""
        self._offsets = itertools.count()
        self._room = asyncio.Lock()
        self._soon: deque[_Queued[KT, VT]] = deque()
        self.soon_task: asyncio.Task[None] | None = None
        """The task handing over what ``soon`` queued, while there is any: sends wait behind."""

    def subscribe(self) -> Buffer[Event[KT, VT]]:
        if self.subscribers:
            buffer: Buffer[Event[KT, VT]] = Buffer(self.maxsize)
        else:  # the first subscriber takes over what was sent while there was none
            buffer, self.pending = self.pending, Buffer(self.maxsize)
        self.subscribers += (buffer,)
        self.targets = self.subscribers
        return buffer

    def unsubscribe(self, buffer: Buffer[Event[KT, VT]]) -> None:
        if buffer is self._reader:
            self._reader = None
        self.subscribers = tuple(b for b in self.subscribers if b is not buffer)
        self.targets = self.subscribers or (self.pending,)
        buffer.close()

    def reader(self) -> Buffer[Event[KT, VT]]:
        if self._reader is None:
            self._reader = self.subscribe()
        return self._reader

    def event(
        self, key: KT | None, value: VT, headers: Headers, timestamp: float | None
    ) -> Event[KT, VT]:
        """The next event, numbered in delivery order, stamped now unless given a timestamp."""
        if timestamp is None:
            message = InMemoryMessage(next(self._offsets), _now(), LOG_APPEND_TIME, headers)
        else:
            message = InMemoryMessage(next(self._offsets), timestamp, CREATE_TIME, headers)
        return Event(key, value, headers, message)

    def offer_new(
        self, key: KT | None, value: VT, headers: Headers, timestamp: float | None
    ) -> Event[KT, VT] | None:
        """``event`` and ``offer`` in one: the event given to every subscriber now, or None
        (and no event made, no offset taken) if one has no room or someone waits before us."""
        if self._waiting:
            return None
        targets = self.targets
        for buffer in targets:
            if buffer.maxsize and len(buffer.items) >= buffer.maxsize:
                return None
        if timestamp is None:
            message = InMemoryMessage(next(self._offsets), _now(), LOG_APPEND_TIME, headers)
        else:
            message = InMemoryMessage(next(self._offsets), timestamp, CREATE_TIME, headers)
        event = Event(key, value, headers, message)
        for buffer in targets:
            buffer.items.append(event)
            if buffer.getters:
                buffer.wake_getter()
        return event

    def offer(self, event: Event[KT, VT]) -> bool:
        """Give every subscriber the event now, if all have room and nobody waits before us."""
        if self._waiting:
            return False
        targets = self.targets
        if len(targets) == 1:  # the common case, without the loops
            buffer = targets[0]
            if buffer.maxsize and len(buffer.items) >= buffer.maxsize:
                return False
            buffer.items.append(event)
            if buffer.getters:
                buffer.wake_getter()
            return True
        for buffer in targets:
            if buffer.maxsize and len(buffer.items) >= buffer.maxsize:
                return False
        for buffer in targets:
            buffer.items.append(event)
            if buffer.getters:
                buffer.wake_getter()
        return True

    def offer_each(
        self, event: Event[KT, VT], twin: Callable[[Event[KT, VT]], Event[KT, VT]]
    ) -> bool:
        """As ``offer``, but each subscriber after the first gets its own ``twin(event)``."""
        targets = self.targets
        if len(targets) == 1 or self._waiting:  # one subscriber needs no twin
            return self.offer(event)
        for buffer in targets:
            if not buffer.has_room():
                return False
        _put_each(targets, event, twin)
        return True

    def offer_many(
        self, events: Sequence[Event[KT, VT]], twin: Callable[[Event[KT, VT]], Event[KT, VT]]
    ) -> int:
        """As ``offer_each`` for each of ``events`` in turn, as many as there is room for now:
        how many were given. To one subscriber, in one step."""
        if self._waiting:
            return 0
        targets = self.targets
        if len(targets) == 1:
            buffer = targets[0]
            room = len(events)
            if buffer.maxsize:
                room = min(room, buffer.maxsize - len(buffer.items))
                if room <= 0:
                    return 0
            buffer.extend(events if room == len(events) else events[:room])
            return room
        given = 0
        for event in events:
            if not self.offer_each(event, twin):
                break
            given += 1
        return given

    async def deliver(self, event: Event[KT, VT]) -> None:
        """``deliver_each``, every subscriber getting this same event."""
        await self.deliver_each(event, _same)

    async def deliver_each(
        self, event: Event[KT, VT], twin: Callable[[Event[KT, VT]], Event[KT, VT]]
    ) -> None:
        """Wait in line (first come, first served) until every subscriber has room, then deliver.

        While anyone waits here, ``offer`` refuses, so later events queue behind and order is
        kept; all subscribers get the event at once, so a cancelled wait delivered it to nobody.
        """
        self._waiting += 1
        try:
            async with self._room:
                while True:
                    targets = self.targets
                    full = next((b for b in targets if not b.has_room()), None)
                    if full is None:
                        break
                    await full.wait_room()
                _put_each(targets, event, twin)
        finally:
            self._waiting -= 1

    def throw(self, exc: BaseException, delivery: Delivery | None = None) -> None:
        """Every subscriber raises ``exc`` in its turn; a ``delivery`` counts each one out."""
        for buffer in self.targets:
            if delivery is not None:
                delivery.remaining += 1
            buffer.throw(exc, delivery)

    def drop(self, dead: Callable[[object], bool]) -> None:
        """Every subscriber, and what waits for a first one, drops the items ``dead`` says."""
        for buffer in (*self.subscribers, self.pending):
            buffer.drop(dead)

    def end(self) -> None:
        """Every subscriber's iteration ends now: each drops what it holds, raises
        StopAsyncIteration, and leaves; what waited for a first subscriber is dropped too.
        A subscriber made later starts afresh; ``get()`` does once reading begins again."""
        for buffer in self.subscribers:
            buffer.items.clear()
            buffer.throw(StopAsyncIteration())
        self.pending.items.clear()
        self.subscribers = ()
        self.targets = (self.pending,)
        self._reader = None
        self.ended = True

    def soon(self, hand_over: _HandOver[KT, VT], fut: FutureMessage[KT, VT]) -> None:
        """Queue ``fut`` to be handed over, in order, by a task of the running loop."""
        self._enqueue((hand_over, fut))

    async def in_turn(self, hand_over: _HandOver[KT, VT], fut: FutureMessage[KT, VT]) -> None:
        """Hand ``fut`` over in this task, once everything queued before it was handed over.

        A send made while ``soon`` messages wait goes after them, not before: order is kept. A
        send cancelled while it waits its turn has handed nothing over, and ``fut`` says so.
        """
        loop = asyncio.get_running_loop()
        turn = _Turn(loop.create_future(), loop.create_future())
        self._enqueue(turn)
        try:
            await turn.go
        except asyncio.CancelledError as exc:
            if turn in self._soon:
                self._soon.remove(turn)
            turn.release()
            if not fut.done():
                fut.set_exception(exc)
            raise
        try:
            await hand_over(fut)
        finally:
            turn.release()

    async def drained(self) -> None:
        """Return once every message queued by ``soon`` was handed over (or failed)."""
        while self.soon_task is not None and not self.soon_task.done():
            await asyncio.wait({self.soon_task})

    def _enqueue(self, item: _Queued[KT, VT]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "send_soon needs a running event loop: call it from code the loop runs"
            ) from None
        self._soon.append(item)
        if self.soon_task is None or self.soon_task.done():
            self.soon_task = loop.create_task(self._drain_soon())
            self.soon_task.add_done_callback(self._soon_ended)

    async def _drain_soon(self) -> None:
        soon = self._soon
        while soon:
            item = soon.popleft()
            if isinstance(item, _Turn):  # a send waiting in line: its task hands it over
                item.go.set_result(None)
                await item.finished
                continue
            hand_over, fut = item
            try:
                await hand_over(fut)
            except Exception:  # its future holds the error, or only its callback failed
                logger.exception("sending %r with send_soon failed", fut)
        self.soon_task = None  # all handed over: sends go straight ahead again

    def _soon_ended(self, task: asyncio.Task[None]) -> None:
        """A drain that was cancelled (the loop closing), even before it began, fails what it
        left: nothing waits forever. A done callback, as a coroutine never begun runs no code."""
        if task is not self.soon_task:
            return
        self.soon_task = None
        while self._soon:
            item = self._soon.popleft()
            if isinstance(item, _Turn):
                item.go.cancel()
            else:
                item[1].set_exception(asyncio.CancelledError("send_soon delivery was cancelled"))


class _Turn:
    """A send waiting behind ``soon`` messages: told when to go, and telling when it is done."""

    __slots__ = ("finished", "go")

    def __init__(self, go: asyncio.Future[None], finished: asyncio.Future[None]) -> None:
        self.go = go
        self.finished = finished

    def release(self) -> None:
        if not self.finished.done():
            self.finished.set_result(None)


_Queued = tuple[_HandOver[KT, VT], FutureMessage[KT, VT]] | _Turn


def _put_each(
    targets: tuple[Buffer[Event[KT, VT]], ...],
    event: Event[KT, VT],
    twin: Callable[[Event[KT, VT]], Event[KT, VT]],
) -> None:
    """The first subscriber gets ``event``, each other one ``twin(event)``."""
    first, *others = targets
    first.put_nowait(event)
    for buffer in others:
        buffer.put_nowait(twin(event))


def _same(event: Event[KT, VT]) -> Event[KT, VT]:
    """A channel's subscribers all get the same event."""
    return event
