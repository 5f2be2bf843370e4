"""Exactly-once processing: the app's transactions, and which outputs go into which.

Under ``processing_guarantee="exactly_once"`` the app's producer is transactional, and while
the app runs a transaction is open: every send goes into it. A send made while an event of a
topic is in hand (from the iterator handing it out until the next, ``async for``'s moving on)
is that event's output, and the event's message a *sender* of the transaction. Each commit
sends, per partition, the offset after the last message done with none undone before it (as
``sdk.impl.acks`` says), and commits them with the outputs, in one transaction; but only once
every sender is below those offsets. A sender not done yet (its event still in hand, or a
``break`` left it so) holds the commit back: committed with its outputs but not its offset, it
would be read again after a crash, and its outputs made twice.

Under steady load some event is always in hand, so committing first *closes* the transaction:
sends of messages fetched after that moment wait for the next one, those fetched before go on
into this one. Every subscriber reads in the order fetched, so the messages before are done
in turn, and the transaction commits. Sends still waiting after ``patience`` (the commit
interval) are let in: a task may hold an event that sent, of another topic and not acked, while
its next send waits, and it would wait on itself. A revoke drops the events of the revoked
partitions no reader took yet, as under at least once, and commits once the ones taken are
done: the new owner reads on from that commit, the dropped ones first. Stopping commits if it
may and aborts if not: the outputs of everything since the last commit are then made again,
once, after the restart.
"""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
from typing import Any, Final

from sdk.errors import FencedError
from sdk.impl.acks import Delivery, Offsets, TopicEvent
from sdk.types.messages import TP
from sdk.types.transports import (
    TransactionalConsumerT,
    TransactionalProducerT,
    TransactionalTransportT,
)

logger = logging.getLogger(__name__)

POLL: Final = 0.001
"""Seconds between looks, while a transaction is closed, at whether its senders are done."""
STALLED: Final = 10.0
"""Seconds a commit waits for its senders before it says, once, which events hold it."""


class Transactions:
    """One app's transactions: its transactional producer, and when the open one may commit."""

    def __init__(self, app_id: str, transactional_id: str, patience: float) -> None:
        self.app_id = app_id
        self.patience = patience
        """Seconds a closed transaction keeps sends waiting before it lets them in after all: a
        task may hold an event that sent (one of another topic, not acked) while it waits."""
        self.transactional_id = transactional_id
        self.in_hand: ContextVar[TopicEvent[Any, Any] | None] = ContextVar(
            f"sdk event in hand of {transactional_id}", default=None
        )
        """The event a task holds: what its sends are outputs of. Set by the topic's iterator."""
        self.transport: TransactionalTransportT | None = None
        self.producer: TransactionalProducerT | None = None
        self.running = False
        """Between ``begin`` and ``finish``: sends go into the open transaction."""
        self._consumer: TransactionalConsumerT | None = None
        self._offsets = Offsets()
        self._senders: list[tuple[TP, Delivery]] = []
        self._committed: dict[TP, int] = {}
        self._dirty = False
        """Something was sent in the open transaction."""
        self._cut: dict[TP, int] | None = None
        """While closed: per partition, the last offset whose sends still go into it."""
        self._committing = False
        self._stopping = False
        self._sending = 0
        self._waiting = 0
        self._reopened = asyncio.Event()
        self._idle = asyncio.Event()
        """Set while no send ``admit`` let in is being handed to the producer."""
        self._lock = asyncio.Lock()

    async def begin(self, consumer: TransactionalConsumerT, offsets: Offsets) -> None:
        """The app's consumer started: open the first transaction, its offsets ``offsets``'."""
        producer = self._started()
        self._consumer, self._offsets = consumer, offsets
        self._senders, self._committed, self._dirty = [], {}, False
        self._cut, self._committing, self._stopping, self._sending = None, False, False, 0
        self._reopened, self._idle = asyncio.Event(), asyncio.Event()  # of this loop, if new
        self._lock = asyncio.Lock()
        self._reopened.set()
        self._idle.set()
        await producer.begin()
        self.running = True

    async def admit(self, tp: TP | None, delivery: Delivery | None) -> None:
        """Wait until a send may go into the open transaction, and count it in: an output of
        the message ``delivery`` of ``tp``, or of no message. ``release`` once sent.

        :raises RuntimeError: if the app is not running (not started, stopped, or its last
            commit failed): there is no transaction to send in
        """
        while not self.enter(tp, delivery):
            self._waiting += 1
            try:
                await self._reopened.wait()
            finally:
                self._waiting -= 1

    def enter(self, tp: TP | None, delivery: Delivery | None) -> bool:
        """``admit`` without waiting, if the send may go in now: whether it went in.

        :raises RuntimeError: as ``admit``
        """
        if not self._admits(tp, delivery):
            return False
        if (
            tp is not None
            and delivery is not None
            and (not self._senders or self._senders[-1][1] is not delivery)
        ):
            self._senders.append((tp, delivery))
        self._dirty = True
        self._sending += 1
        self._idle.clear()
        return True

    def release(self) -> None:
        """A send ``admit`` let in was handed to the producer (or failed)."""
        self._sending -= 1
        if not self._sending:
            self._idle.set()

    async def commit(self, revoked: frozenset[TP] = frozenset()) -> None:
        """Close the open transaction, commit it once its senders are done (and every fetched
        message of ``revoked``), and open the next; with nothing to commit, keep it open.

        :raises ~sdk.errors.TransactionError: if committing failed (the transaction was
            aborted, and the app's transactions stop: restart the app)
        :raises ~sdk.errors.CommitError: if the group refused the offsets (a zombie member)
        """
        async with self._lock:
            if not self.running:
                return
            self._cut = self._offsets.last_fetched()
            self._reopened.clear()
            loop = asyncio.get_running_loop()
            closed, stalled = loop.time(), False
            try:
                while not self._ready(revoked):
                    if self._stopping:  # it may never be ready: stopping aborts it instead
                        return
                    waited = loop.time() - closed
                    if self._cut is not None and self._waiting and waited > self.patience:
                        self._cut = None  # a waiting send may be what a sender waits on
                        self._reopened.set()
                    if not stalled and waited > STALLED:
                        stalled = True
                        logger.warning(
                            "app %r has waited %.0f s to commit its transaction: events that "
                            "sent into it are not done (not acked), first %s; ack each when "
                            "its work is done (moving on, event.ack(), async with event)",
                            self.app_id,
                            waited,
                            [(tp.topic, tp.partition, d.offset) for tp, d in self._senders[:3]],
                        )
                    await asyncio.sleep(POLL)
                self._committing = True
                await self._idle.wait()
                if await self._end(commit=True):
                    await self._started().begin()
            except BaseException:
                self.running = False
                raise
            finally:
                self._cut, self._committing = None, False
                self._reopened.set()

    async def finish(self) -> None:
        """The app stops: commit the open transaction if it may be committed, else abort it.
        Sends from now on are refused; a commit waiting for its senders gives up first."""
        self._stopping = True
        async with self._lock:
            if not self.running:
                return
            self.running = False
            self._reopened.set()  # sends waiting for the next transaction: there is none
            await self._idle.wait()
            await self._end(commit=self._ready(frozenset()), always=True)

    def _admits(self, tp: TP | None, delivery: Delivery | None) -> bool:
        if not self.running:
            raise RuntimeError(
                f"app {self.app_id!r} is not running (not started, stopped, or its last commit "
                "failed): under processing_guarantee='exactly_once' every send is part of a "
                "transaction the running app commits; send inside `async with app:`"
            )
        if self._committing:
            return False
        cut = self._cut
        if cut is None or tp is None or delivery is None:
            return True
        return delivery.offset <= cut.get(tp, -1)

    def _ready(self, revoked: frozenset[TP]) -> bool:
        """Whether every sender is done and below the offsets to commit (and, for a revoke,
        every fetched message of ``revoked`` is done)."""
        committable = self._offsets.committable()
        self._senders = [(tp, d) for tp, d in self._senders if d.offset >= committable.get(tp, 0)]
        return not self._senders and self._offsets.settled(revoked)

    async def _end(self, *, commit: bool, always: bool = False) -> bool:
        """Commit (or abort) the open transaction; whether one ended (with nothing sent and
        no offset moved, it is left open unless ``always``)."""
        producer = self._started()
        offsets = {
            tp: offset
            for tp, offset in self._offsets.committable().items()
            if self._committed.get(tp) != offset
        }
        if not (offsets or self._dirty or always):
            return False
        try:
            if commit:
                if offsets:
                    assert self._consumer is not None  # begun with one
                    metadata = self._consumer.group_metadata()
                    await producer.send_offsets_to_transaction(offsets, metadata)
                await producer.commit()
                self._committed.update(offsets)
            else:
                await producer.abort()
        except FencedError:
            raise  # the transaction is aborted already, by the producer that fenced this one
        except BaseException:
            if commit:
                await _abort_after_failure(producer)
            raise
        self._dirty = False
        self._senders.clear()
        return True

    def _started(self) -> TransactionalProducerT:
        if self.producer is None:
            raise RuntimeError(f"app {self.app_id!r} has no transactional producer started")
        return self.producer


async def _abort_after_failure(producer: TransactionalProducerT) -> None:
    """Abort what a failed commit left open; the commit's error stays the one raised."""
    try:
        await producer.abort()
    except Exception:
        logger.exception("aborting after a failed commit failed too")
