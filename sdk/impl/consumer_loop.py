"""The app's consumer loop: fetches what its topics subscribe to, delivers it, commits what is
done (``sdk.impl.acks`` says what is done): with the consumer's ``commit``, or under exactly-once
with the app's transactions (``sdk.impl.transactions``), reading with ``read_committed``."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Iterable
from typing import TYPE_CHECKING, Any, Final

from sdk.impl.acks import Offsets
from sdk.impl.transactions import Transactions
from sdk.types.messages import TP
from sdk.types.transports import ConsumerT, TransactionalConsumerT, TransportT

if TYPE_CHECKING:
    from sdk.impl.topic import Topic

logger = logging.getLogger(__name__)

COMMIT_INTERVAL: Final = 0.2
"""Seconds between commits while messages are being done; also committed on stop and revoke."""
FETCH_TIMEOUT: Final = 0.1
MAX_RECORDS: Final = 150
"""Messages per fetch: few enough that their events are read while young (cheap for the garbage
collector), enough that a fetch's own cost is spread thin. In benchmarks/kafka.py 150 did as
well as or better than 100, 250 and 500 on memory://, Tansu and Apache Kafka."""


class ConsumerLoop:
    """Runs the app's consumer: one task, started and stopped with the app."""

    def __init__(
        self,
        transport: TransportT,
        group_id: str,
        *,
        transactions: Transactions | None = None,
        commit_interval: float = COMMIT_INTERVAL,
    ) -> None:
        self._transport = transport
        self._group_id = group_id
        self._transactions = transactions
        self._commit_interval = commit_interval
        self._topics: list[Topic[Any, Any]] = []
        self._offsets = Offsets()
        self._committed: dict[TP, int] = {}
        self._consumer: ConsumerT | None = None
        self._task: asyncio.Task[None] | None = None
        self._last_commit = 0.0
        self._committing: asyncio.Task[None] | None = None
        self._revoked: set[TP] = set()
        """Revoked since the last fetch: the rest of that batch is theirs, not delivered."""

    def add(self, topic: Topic[Any, Any]) -> None:
        """Consume ``topic`` from now on (once the app is started)."""
        if topic in self._topics:
            return
        self._topics.append(topic)
        if self._consumer is not None:
            self._subscribe(self._consumer)

    async def start(self) -> None:
        """Join the group and start fetching; a consumer that started and then failed is
        stopped again, and the error that made the start fail is the one raised."""
        transactions = self._transactions
        member: TransactionalConsumerT | None = None
        if transactions is None:
            consumer = self._transport.create_consumer(
                self._group_id, on_assigned=self._on_assigned, on_revoked=self._on_revoked
            )
        else:
            assert transactions.transport is not None  # the app checked it can, at its start
            consumer = member = transactions.transport.create_consumer(
                self._group_id,
                on_assigned=self._on_assigned,
                on_revoked=self._on_revoked,
                isolation_level="read_committed",
            )
        await consumer.start()
        try:
            self._subscribe(consumer)
            if transactions is not None and member is not None:
                await transactions.begin(member, self._offsets)
        except BaseException:
            await stop_after_failure(consumer.stop())
            raise
        self._consumer = consumer
        self._task = asyncio.create_task(self._run(consumer), name=f"sdk consumer {self._group_id}")

    async def halt(self) -> None:
        """Stop fetching; re-raise what made the consumer fail.

        Only stops: the app ends its iterators before ``close`` commits, so what they hold now
        is what stays uncommitted.
        """
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        await asyncio.wait({task})  # not `await task`: a cancellation of halt() itself must show
        error = None if task.cancelled() else task.exception()
        if error is not None:
            raise error

    async def close(self) -> None:
        """Commit what is done, then leave the group (which takes seconds on Kafka)."""
        consumer, self._consumer = self._consumer, None
        try:
            committing, self._committing = self._committing, None
            if self._transactions is not None:
                await self._transactions.finish()  # gives up a commit waiting, then ends it
            if committing is not None:
                await committing
            if self._transactions is None and consumer is not None:
                await self._commit(consumer)
        finally:
            if consumer is not None:
                await consumer.stop()

    def _subscribe(self, consumer: ConsumerT) -> None:
        names = sorted({name for topic in self._topics for name in topic.topics})
        patterns = [topic.pattern for topic in self._topics if topic.pattern is not None]
        pattern = "|".join(f"(?:{p})" for p in patterns) if patterns else None
        consumer.subscribe(names, pattern=pattern)

    def _readers(self, topic: str) -> list[Topic[Any, Any]]:
        return [
            t
            for t in self._topics
            if topic in t.topics or (t.pattern is not None and re.fullmatch(t.pattern, topic))
        ]

    async def _run(self, consumer: ConsumerT) -> None:
        try:
            await self._consume(consumer)
        except Exception as exc:  # the consumer failed: every reader hears of it, none hangs
            logger.error("consumer of group %r failed: %r", self._group_id, exc)
            for topic in self._topics:
                await topic.throw(exc)
            raise

    async def _consume(self, consumer: ConsumerT) -> None:
        while True:
            batch = await consumer.getmany(timeout=FETCH_TIMEOUT, max_records=self._batch_size())
            self._revoked.clear()  # what it revoked before returning, a transport does not give
            for tp, messages in batch.items():
                if tp in self._revoked:  # revoked while earlier partitions were delivered
                    continue
                deliveries = self._offsets.fetched(tp, messages)
                for topic in self._readers(tp.topic):
                    await topic.deliver_fetched(messages, deliveries)
                for delivery in deliveries:  # every reader has its events: the consumer loop's hold
                    delivery.remaining -= 1
            self._commit_in_background(consumer)
            # let readers take what was delivered before fetching more: the loop stays fair, and
            # events are read while young, which spares the garbage collector most of its work
            await asyncio.sleep(0)

    def _batch_size(self) -> int:
        """MAX_RECORDS, or fewer if a topic's ``maxsize`` is smaller: a batch waiting for room
        is held in memory, and ``maxsize`` is what the user set to bound that.

        One fetch serves every topic, so the smallest ``maxsize`` sizes it for all of them: a
        topic with ``maxsize=1`` makes every fetch a single message, for every topic the app
        reads. Give such a topic an app of its own if the others must keep their pace.
        """
        sizes = [t.maxsize for t in self._topics if t.maxsize is not None]
        return min([MAX_RECORDS, *sizes])

    def _commit_in_background(self, consumer: ConsumerT) -> None:
        """Commit every COMMIT_INTERVAL without holding up fetching; a failure is raised here."""
        committing = self._committing
        if committing is not None:
            if not committing.done():
                return
            self._committing = None
            committing.result()
        if time.monotonic() - self._last_commit >= self._commit_interval:
            self._committing = asyncio.ensure_future(self._commit(consumer))

    async def _commit(self, consumer: ConsumerT, tps: Iterable[TP] | None = None) -> None:
        self._last_commit = time.monotonic()
        if self._transactions is not None:
            await self._transactions.commit()
            return
        committable = self._offsets.committable()
        wanted = (
            committable if tps is None else {tp: committable[tp] for tp in tps if tp in committable}
        )
        offsets = {tp: o for tp, o in wanted.items() if self._committed.get(tp) != o}
        if offsets:
            await consumer.commit(offsets)
            self._committed.update(offsets)

    async def _on_revoked(self, revoked: frozenset[TP]) -> None:
        """Drop the events of ``revoked`` from every subscriber, then commit what is done of
        them: the new owner reads from that commit, so an event read here after it would be
        processed twice. Dropping comes first, with no wait before it, as the user's task goes
        on reading while the commit is under way; an event already in the user's hands that is
        acked before the commit is sent counts. Once this starts, no event of theirs reaches a
        subscriber.

        Under exactly-once the same, but an event in the user's hands holds the commit back
        until it is done (its sends are in the transaction, so its offset must be too), with
        the other readers' events of that message. Reading them all instead, as this once did,
        held the group's rebalance up for as long as the buffers took to read: longer than
        the transaction timeout on Kafka, whose broker then aborted the transaction and fenced
        the producer.
        """
        self._offsets.fence(revoked)
        self._revoked |= revoked
        names = {tp.topic for tp in revoked}
        for topic in self._topics:
            if topic.pattern is not None or any(name in names for name in topic.topics):
                topic.drop_revoked()
        if self._transactions is not None:
            if self._committing is not None:
                await self._committing
            if self._consumer is not None:
                await self._transactions.commit(revoked)
            self._offsets.forget(revoked)
            return
        if self._committing is not None:
            await self._committing
        if self._consumer is not None:
            await self._commit(self._consumer, revoked)
        self._offsets.forget(revoked)
        for tp in revoked:
            self._committed.pop(tp, None)

    async def _on_assigned(self, assigned: frozenset[TP]) -> None:
        logger.debug("group %r assigned %s", self._group_id, sorted(assigned))


async def stop_after_failure(stopping: Awaitable[None]) -> None:
    """Stop what a failed start left running; the start's error stays the one raised."""
    try:
        await stopping
    except Exception:
        logger.exception("stopping after a failed start failed too")
