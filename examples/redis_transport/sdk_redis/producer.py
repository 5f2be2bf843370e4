"""The producer: topics as a hash of partition counts, messages appended to their partition.

``send`` only queues; one task at a time writes what is queued in a pipeline (one round trip per
batch, in order), and each message's future resolves with the ID Redis gave its entry.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError
from redis.typing import EncodableT, FieldT

from sdk.transports import (
    CREATE_TIME,
    TP,
    Headers,
    RecordMetadata,
    SendError,
    TopicError,
    TopicSettings,
    key_partition,
)

from .calls import call, ping
from .records import (
    TOPICS,
    RedisTransportError,
    config_key,
    entry_fields,
    offset_of,
    stream_key,
)

if TYPE_CHECKING:
    from .transport import RedisTransport

DEFAULT_PARTITIONS: Final = 1
"""Partitions of a topic made by producing to it (Kafka's ``num.partitions`` default)."""
MAX_BATCH: Final = 1000
"""Messages per pipeline: bounds one round trip, not what may be queued."""

_CREATE_TOPIC: Final = """
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 and #ARGV > 2 then
    redis.call('HSET', KEYS[2], unpack(ARGV, 3))
end
return redis.call('HGET', KEYS[1], ARGV[1])
"""
"""Create a topic and its config in one step, or leave the existing one; its partition count."""


class _Queued:
    """A message waiting to be written, and the future its sender holds."""

    __slots__ = ("fields", "future", "timestamp", "tp")

    def __init__(
        self,
        tp: TP,
        timestamp: float,
        fields: dict[FieldT, EncodableT],
        future: asyncio.Future[RecordMetadata],
    ) -> None:
        self.tp = tp
        self.timestamp = timestamp
        self.fields = fields
        self.future = future


class RedisProducer:
    """Implements ``sdk.types.ProducerT``: ``send`` returns an ``asyncio.Future``, an ``AckT``."""

    def __init__(self, transport: RedisTransport) -> None:
        self._transport = transport
        self._client: Redis | None = None
        self._create_topic: AsyncScript | None = None
        self._partitions: dict[str, int] = {}
        """Partition counts seen: a topic's count never changes, so it is safe to keep."""
        self._queue: list[_Queued] = []
        self._writing: asyncio.Task[None] | None = None
        self._round_robin = itertools.count()

    @property
    def client(self) -> Redis:
        if self._client is None:
            raise RuntimeError(f"the producer of {self._transport.url} is not started")
        return self._client

    async def start(self) -> None:
        client = self._client = self._transport.connect()
        self._create_topic = client.register_script(_CREATE_TOPIC)
        await ping(client, self._transport.url)

    async def stop(self) -> None:
        if self._client is None:
            return
        try:
            await self.flush()
        finally:
            client, self._client = self._client, None
            await client.aclose()

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        *,
        partition: int | None = None,
        timestamp: float | None = None,
        headers: Headers = (),
    ) -> asyncio.Future[RecordMetadata]:
        if self._client is None:  # said before anything is queued
            raise RuntimeError(f"the producer of {self._transport.url} is not started")
        count = self._partitions.get(topic) or await self._ensure_topic(topic)
        if partition is None:
            partition = (
                key_partition(key, count) if key is not None else next(self._round_robin) % count
            )
        elif not 0 <= partition < count:  # the broker's to say, as on Kafka: not a ValueError
            raise SendError(
                f"the topic has partitions 0..{count - 1}", topic=topic, partition=partition
            )
        stamp = time.time() if timestamp is None else timestamp
        future: asyncio.Future[RecordMetadata] = asyncio.get_running_loop().create_future()
        fields = entry_fields(key, value, stamp, headers)
        self._queue.append(_Queued(TP(topic, partition), stamp, fields, future))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write(), name="sdk_redis producer")
        return future

    async def flush(self) -> None:
        while self._writing is not None and not self._writing.done():
            await asyncio.shield(self._writing)

    async def create_topic(self, topic: str, settings: TopicSettings) -> None:
        """``replicas`` is Redis's business (its replication), not the topic's: it is ignored."""
        await self._create(topic, settings.partitions, kept_config(settings))

    async def partitions_for(self, topic: str) -> frozenset[int]:
        count = self._partitions.get(topic)
        if count is None:
            try:
                found = await call(self.client.hget(TOPICS, topic))
            except (RedisError, OSError) as exc:
                doing = "looking up the partitions of"
                raise TopicError(str(exc), topic=topic, doing=doing) from exc
            if found is None:
                return frozenset()
            count = self._partitions[topic] = int(found)
        return frozenset(range(count))

    def key_partition(self, topic: str, key: bytes) -> int | None:
        count = self._partitions.get(topic)
        return None if count is None else key_partition(key, count)

    async def _ensure_topic(self, topic: str) -> int:
        """The topic's partition count, creating it as Kafka's auto-creation would."""
        return await self._create(topic, DEFAULT_PARTITIONS, ())

    async def _create(self, topic: str, partitions: int, config: Sequence[tuple[str, str]]) -> int:
        script = self._create_topic
        if script is None:
            raise RuntimeError(f"the producer of {self._transport.url} is not started")
        pairs = [item for pair in config for item in pair]
        try:
            found = await call(
                script(keys=[TOPICS, config_key(topic)], args=[topic, partitions, *pairs])
            )
        except (RedisError, OSError) as exc:
            raise TopicError(str(exc), topic=topic) from exc
        count = self._partitions[topic] = int(found)
        return count

    async def _write(self) -> None:
        """Write what is queued, batch by batch, until nothing is; resolve every future."""
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            try:
                pipe = self.client.pipeline(transaction=False)
                for queued in batch:
                    pipe.xadd(stream_key(*queued.tp), queued.fields, id="0-*")
                replies = await call(pipe.execute(raise_on_error=False))
            except (RedisError, OSError, RuntimeError) as exc:  # no reply: the batch failed
                for queued in batch:
                    _fail(queued, exc)
                continue
            except BaseException as exc:  # cancelled, or a bug: still no future is left open
                for queued in batch:
                    _fail(queued, exc)
                raise
            for queued, reply in zip(batch, replies, strict=True):
                if isinstance(reply, Exception):
                    _fail(queued, reply)
                    continue
                try:
                    offset = offset_of(reply, queued.tp)
                except RedisTransportError as exc:
                    _fail(queued, exc)
                    continue
                metadata = RecordMetadata(*queued.tp, offset, queued.timestamp, CREATE_TIME)
                if not queued.future.done():
                    queued.future.set_result(metadata)


def kept_config(settings: TopicSettings) -> list[tuple[str, str]]:
    """What the config hash keeps of the settings: the terms that are set, then ``config``.

    Kept as declared, not enforced (Redis Streams neither expire nor compact by themselves), and
    not turned into Kafka's names: that is the ``kafka://`` transport's business.
    """
    terms = (
        ("retention", settings.retention),
        ("compacting", settings.compacting),
        ("deleting", settings.deleting),
    )
    return [(name, str(value)) for name, value in terms if value is not None] + list(
        settings.config
    )


def _fail(queued: _Queued, exc: BaseException) -> None:
    if queued.future.done():  # the sender stopped waiting (cancelled): nothing to tell
        return
    topic, partition = queued.tp
    error = SendError(repr(exc), topic=topic, partition=partition)
    error.__cause__ = exc
    queued.future.set_exception(error)
