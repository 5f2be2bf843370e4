"""``kafka://host:port[,host:port]``: Kafka through aiokafka (the ``kafka`` extra).

Settings come from the URL's query (``kafka://h:9092?acks=all&linger_ms=5``) or as keywords;
SASL credentials from the URL's user part or keywords. Neither the URL with its credentials nor
the credentials themselves appear in a repr, a log line or an error this module makes.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import re
import ssl
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    Mapping,
    Sequence,
)
from typing import Any, Final, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    AuthenticationFailedError,
    BrokerResponseError,
    ConsumerStoppedError,
    IllegalSaslStateError,
    KafkaConnectionError,
    KafkaError,
    ProducerFenced,
    SaslAuthenticationFailed,
    UnsupportedSaslMechanismError,
    for_code,
)
from aiokafka.structs import RecordMetadata as KafkaRecordMetadata
from typing_extensions import TypedDict, Unpack

from sdk.errors import (
    AuthenticationError,
    BrokerConnectionError,
    CommitError,
    FencedError,
    FetchError,
    SendError,
    TopicError,
    TransactionError,
    TransportError,
)
from sdk.impl.messages import Message, RecordMetadata
from sdk.impl.partitioning import key_partition
from sdk.impl.transports.txn_offset_commit import RefusedMember, send_offsets, use_version_3
from sdk.impl.urls import redact
from sdk.types.messages import TP, Headers
from sdk.types.transports import (
    EVERY_CAPABILITY,
    Capability,
    GroupMetadata,
    IsolationLevel,
    PartitionsCallback,
    TopicSettings,
)

WITHOUT_TRANSACTIONS: Final[frozenset[Capability]] = EVERY_CAPABILITY - {"transactions"}
"""What kafka:// declares unless ``transactions=true``: a broker may have none (Tansu), which
the transport cannot know before a transactional producer starts, so that
``processing_guarantee="exactly_once"`` fails at start, naming the capability."""
_TOPIC_ALREADY_EXISTS: Final = 36
CREATE_TIMEOUT: Final = 10.0
"""Seconds a created topic may take to appear in the metadata."""


class KafkaSettings(TypedDict, total=False):
    """What may be set, by keyword or in the URL's query; passed through to aiokafka."""

    client_id: str
    request_timeout_ms: int
    acks: int | str
    linger_ms: int
    max_batch_size: int
    max_request_size: int
    compression_type: str
    session_timeout_ms: int
    heartbeat_interval_ms: int
    rebalance_timeout_ms: int
    """How long a rebalance waits for each member's revoke (default 60 s, Faust's; aiokafka's
    is the session timeout): an exactly-once member reads what it fetched of a revoked
    partition and commits it, and a member slower than this is dropped mid-commit."""
    fetch_max_wait_ms: int
    metadata_max_age_ms: int
    security_protocol: str
    sasl_mechanism: str
    sasl_plain_username: str
    sasl_plain_password: str
    transactions: bool
    """Declare ``transactions`` (default false): transactional producers and read_committed
    consumers, which Apache Kafka has and Tansu has not."""
    transaction_timeout_ms: int
    """How long a transaction may stay open before the broker aborts it (aiokafka: 60 s):
    after a crash, ``read_committed`` readers wait that long behind its open transaction."""


_PRODUCER_KEYS: Final = (
    "acks",
    "linger_ms",
    "max_batch_size",
    "max_request_size",
    "compression_type",
)
_CONSUMER_KEYS: Final = (
    "session_timeout_ms",
    "heartbeat_interval_ms",
    "rebalance_timeout_ms",
    "fetch_max_wait_ms",
    "metadata_max_age_ms",
)
_CONNECTION_KEYS: Final = (
    "client_id",
    "request_timeout_ms",
    "security_protocol",
    "sasl_mechanism",
    "sasl_plain_username",
    "sasl_plain_password",
)
_INTEGERS: Final = frozenset(
    {
        "transaction_timeout_ms",
        "request_timeout_ms",
        "linger_ms",
        "max_batch_size",
        "max_request_size",
        "session_timeout_ms",
        "heartbeat_interval_ms",
        "rebalance_timeout_ms",
        "fetch_max_wait_ms",
        "metadata_max_age_ms",
    }
)
REBALANCE_TIMEOUT_MS: Final = 60_000
"""``rebalance_timeout_ms`` unless set: Faust's 60 s, not aiokafka's session timeout."""


def topic_config(settings: TopicSettings) -> dict[str, str]:
    """The settings in Kafka's terms: ``retention.ms``, ``cleanup.policy``, then ``config``.

    Only here: no other transport speaks Kafka's config names. What ``config`` names itself
    wins over what the terms would set.
    """
    config: dict[str, str] = {}
    if settings.retention is not None:
        config["retention.ms"] = str(round(settings.retention * 1000))
    chosen = (("compact", settings.compacting), ("delete", settings.deleting))
    policies = [policy for policy, on in chosen if on]
    if policies:
        config["cleanup.policy"] = ",".join(policies)
    config.update(settings.config)
    return config


def parse_url(url: str) -> tuple[list[str], dict[str, Any]]:
    """The bootstrap servers and the settings a ``kafka://`` URL carries."""
    parts = urlsplit(url)
    if parts.scheme != "kafka":
        raise ValueError(f"not a kafka:// URL: {redact(url)!r}")
    userinfo, _, hosts = parts.netloc.rpartition("@")
    servers = [host for host in hosts.split(",") if host]
    if not servers:
        raise ValueError(f"a kafka:// URL names at least one host:port: {redact(url)!r}")
    settings: dict[str, Any] = {}
    for name, value in parse_qsl(parts.query, strict_parsing=False):
        if name not in KafkaSettings.__annotations__:
            known = ", ".join(sorted(KafkaSettings.__annotations__))
            raise ValueError(f"unknown kafka:// setting {name!r}; known: {known}")
        settings[name] = _read(name, value)
    if settings.get("acks") not in (None, "all"):
        settings["acks"] = int(settings["acks"])
    if userinfo:
        user, _, password = userinfo.partition(":")
        settings["sasl_plain_username"] = unquote(user)
        settings["sasl_plain_password"] = unquote(password)
    return servers, settings


def _read(name: str, value: str) -> object:
    if name in _INTEGERS:
        return int(value)
    if name == "transactions":
        if value not in ("true", "false"):
            raise ValueError(f"kafka:// setting transactions is true or false, not {value!r}")
        return value == "true"
    return value


class KafkaTransport:
    """Implements ``sdk.types.TransportT`` on aiokafka; ``TransactionalTransportT`` with
    ``transactions=true``."""

    def __init__(
        self,
        url: str,
        *,
        ssl_context: ssl.SSLContext | None = None,
        **settings: Unpack[KafkaSettings],
    ) -> None:
        servers, from_url = parse_url(url)
        self._url = redact(url)
        self.servers = servers
        self._settings: dict[str, Any] = {**from_url, **settings}
        if self._settings.get("acks") == 0:
            raise ValueError(
                f"{self._url}: acks=0 is refused: a send's answer says where the message landed, "
                "and with acks=0 no broker says it; use acks=1 or acks='all'"
            )
        self._ssl_context = ssl_context

    @property
    def url(self) -> str:
        return self._url

    def with_defaults(
        self, **defaults: Unpack[KafkaSettings]
    ) -> tuple[KafkaTransport, dict[str, object]]:
        """A transport on the same brokers that sets ``defaults`` where this one leaves them
        unset, and those it set: what a test harness tunes for its own short-lived groups."""
        applied: dict[str, object] = {k: v for k, v in defaults.items() if k not in self._settings}
        derived = copy.copy(self)
        derived._settings = {**applied, **self._settings}
        return derived, applied

    @property
    def capabilities(self) -> frozenset[Capability]:
        return EVERY_CAPABILITY if self._settings.get("transactions") else WITHOUT_TRANSACTIONS

    def connection(self) -> dict[str, Any]:
        """Keywords every aiokafka client of this transport gets."""
        found: dict[str, Any] = {
            k: self._settings[k] for k in _CONNECTION_KEYS if k in self._settings
        }
        if self._ssl_context is not None:
            found["ssl_context"] = self._ssl_context
        return {"bootstrap_servers": self.servers, **found}

    def create_producer(self) -> KafkaProducer:
        settings = {k: self._settings[k] for k in _PRODUCER_KEYS if k in self._settings}
        return KafkaProducer(self, AIOKafkaProducer(**self.connection(), **settings))

    def create_transactional_producer(self, transactional_id: str) -> KafkaTransactionalProducer:
        if not transactional_id:
            raise ValueError("a transactional producer needs a non-empty transactional_id")
        if not self._settings.get("transactions"):
            raise ValueError(f"{self._url} declares transactions only with transactions=true")
        settings = {k: self._settings[k] for k in _PRODUCER_KEYS if k in self._settings}
        if settings.pop("acks", "all") != "all":
            raise ValueError(
                f"{self._url}: a transactional producer writes with acks='all', "
                f"not acks={self._settings['acks']!r}"
            )
        timeout = self._settings.get("transaction_timeout_ms")
        producer = AIOKafkaProducer(
            **self.connection(),
            **settings,
            **({} if timeout is None else {"transaction_timeout_ms": timeout}),
            acks="all",
            enable_idempotence=True,
            transactional_id=transactional_id,
        )
        use_version_3(producer)
        return KafkaTransactionalProducer(self, producer, transactional_id)

    def create_consumer(
        self,
        group_id: str,
        *,
        on_assigned: PartitionsCallback | None = None,
        on_revoked: PartitionsCallback | None = None,
        isolation_level: IsolationLevel = "read_uncommitted",
    ) -> KafkaConsumer:
        if isolation_level not in ("read_uncommitted", "read_committed"):
            raise ValueError(
                f"isolation_level is read_uncommitted or read_committed, not {isolation_level!r}"
            )
        settings: dict[str, Any] = {"rebalance_timeout_ms": REBALANCE_TIMEOUT_MS}
        settings.update({k: self._settings[k] for k in _CONSUMER_KEYS if k in self._settings})
        consumer = AIOKafkaConsumer(
            **self.connection(),
            **settings,
            group_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level=isolation_level,
        )
        return KafkaConsumer(consumer, _Listener(on_assigned, on_revoked), self.servers, group_id)

    def __repr__(self) -> str:
        return f"<KafkaTransport {self._url}>"


class KafkaProducer:
    """Implements ``sdk.types.ProducerT`` on ``AIOKafkaProducer`` (admin calls on the side).

    aiokafka's errors reach the caller as the SDK's (``SendError``, ``TopicError``, ...), each
    naming the topic, with aiokafka's as its ``__cause__``.
    """

    def __init__(
        self,
        transport: KafkaTransport,
        producer: AIOKafkaProducer,
        transactional_id: str | None = None,
    ) -> None:
        self._transport = transport
        self._producer = producer
        self.transactional_id = transactional_id
        """Of a transactional producer: a fenced send's ack then says ``FencedError``."""
        self._partitions: dict[str, int] = {}

    async def start(self) -> None:
        await _start(self._producer.start, self._producer.stop, self._transport.servers)

    async def stop(self) -> None:
        try:
            await self._producer.stop()
        except KafkaError as exc:
            raise TransportError(
                f"stopping the Kafka producer of {self._transport.url} failed: {exc}"
            ) from exc

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        *,
        partition: int | None = None,
        timestamp: float | None = None,
        headers: Headers = (),
    ) -> KafkaAck:
        if key is None and value is None:  # aiokafka would fail an assert
            raise ValueError(
                f"topic {topic!r}: a message needs a key or a value (a tombstone needs its key)"
            )
        try:
            if partition is not None:  # aiokafka would fail an assert, or wait for nothing
                known = await self._producer.partitions_for(topic)
                if partition not in known:
                    raise SendError(_no_such_partition(known), topic=topic, partition=partition)
            sent = await self._producer.send(
                topic,
                value,
                key=key,
                partition=partition,
                timestamp_ms=None if timestamp is None else round(timestamp * 1000),
                headers=list(headers),
            )
        except KafkaError as exc:
            raise _send_error(exc, topic, partition, self.transactional_id) from exc
        return KafkaAck(sent, topic, partition, self.transactional_id)

    async def flush(self) -> None:
        """Wait for every send's answer; a send that failed says so in its ack, not here."""
        try:
            await self._producer.flush()
        except KafkaError as exc:
            raise TransportError(
                f"flushing the Kafka producer of {self._transport.url} failed: {exc}"
            ) from exc

    async def create_topic(self, topic: str, settings: TopicSettings) -> None:
        new = NewTopic(
            topic, settings.partitions, settings.replicas, topic_configs=topic_config(settings)
        )
        try:
            async with self._admin() as admin:
                response = await admin.create_topics([new])
        except KafkaError as exc:
            raise TopicError(str(exc), topic=topic) from exc
        for name, code, *rest in response.topic_errors:
            if code not in (0, _TOPIC_ALREADY_EXISTS):
                refused = for_code(code)(*(rest[:1] if rest and rest[0] else ()))
                raise TopicError(str(refused), topic=name) from refused  # "[Error 40] ..."
        await self._until_known(topic)

    async def _until_known(self, topic: str) -> None:
        """A created topic reaches the metadata a moment later: wait for it, within bounds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CREATE_TIMEOUT
        while not await self.partitions_for(topic):
            if loop.time() > deadline:
                raise TopicError(
                    f"it was created but is not in the metadata after {CREATE_TIMEOUT} s",
                    topic=topic,
                )
            await asyncio.sleep(0.05)

    async def partitions_for(self, topic: str) -> frozenset[int]:
        doing = "looking up the partitions of"
        try:
            async with self._admin() as admin:  # list first: some brokers create a topic
                if topic not in await admin.list_topics():  # that metadata is asked of
                    return frozenset()
            found = frozenset(await self._producer.partitions_for(topic))
        except KafkaError as exc:
            raise TopicError(str(exc), topic=topic, doing=doing) from exc
        self._partitions[topic] = len(found)
        return found

    def key_partition(self, topic: str, key: bytes) -> int | None:
        count = self._partitions.get(topic)
        return None if count is None else key_partition(key, count)

    @contextlib.asynccontextmanager
    async def _admin(self) -> AsyncGenerator[AIOKafkaAdminClient, None]:
        """An admin client for one call: one that cannot connect is a ``BrokerConnectionError``."""
        admin = AIOKafkaAdminClient(**self._transport.connection())
        await _start(admin.start, admin.close, self._transport.servers)
        try:
            yield admin
        finally:
            await admin.close()


class KafkaTransactionalProducer(KafkaProducer):
    """Implements ``sdk.types.TransactionalProducerT`` on aiokafka's transactional producer.

    Its state is kept here, not read from aiokafka's (which asserts on a misuse): a call out
    of turn is a ``TransactionError``, and once the broker said this producer is fenced,
    every call but ``stop`` is a ``FencedError``. ``begin`` asks no broker, as Kafka's own
    client does not: a producer fenced while no transaction was open learns it at its next
    send, ``send_offsets_to_transaction``, ``commit`` or ``abort``.
    """

    def __init__(
        self, transport: KafkaTransport, producer: AIOKafkaProducer, transactional_id: str
    ) -> None:
        super().__init__(transport, producer, transactional_id)
        self._id = transactional_id
        self._state: Literal["new", "ready", "open", "failed", "fenced", "stopped"] = "new"
        """``failed``: a call of the open transaction failed, and only ``abort`` may end it."""

    async def start(self) -> None:
        try:
            await super().start()
        except TransportError as exc:
            if not isinstance(exc.__cause__, BrokerResponseError):
                raise
            raise self._error(
                f"the broker refused its transactional id ({exc.__cause__}): it may have no "
                "transactions (Tansu has none); then leave out the kafka:// setting "
                "transactions=true",
                "starting",
            ) from exc
        self._state = "ready"

    async def stop(self) -> None:
        """Abort a transaction left open, as memory:// does, then stop."""
        if self._state in ("open", "failed"):
            try:
                await self.abort()
            except TransactionError as exc:  # stopping goes on: the broker aborts it in time
                logging.getLogger(__name__).warning("stopping, the abort failed: %s", exc)
        self._state = "stopped"
        await super().stop()

    async def begin(self) -> None:
        self._check("beginning")
        if self._state != "ready":
            raise self._error("a transaction is open already", "beginning")
        await self._producer.begin_transaction()  # asks no broker, once started
        self._state = "open"

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        *,
        partition: int | None = None,
        timestamp: float | None = None,
        headers: Headers = (),
    ) -> KafkaAck:
        self._required("sending in")
        return await super().send(
            topic, key, value, partition=partition, timestamp=timestamp, headers=headers
        )

    async def commit(self) -> None:
        if self._required("committing") == "failed":
            raise self._error("a call of the transaction failed: abort it", "committing")
        await self._end("committing", self._producer.commit_transaction)

    async def abort(self) -> None:
        self._required("aborting")
        await self._end("aborting", self._producer.abort_transaction)

    async def send_offsets_to_transaction(
        self, offsets: Mapping[TP, int], group_metadata: GroupMetadata
    ) -> None:
        doing = "sending offsets to"
        self._required(doing)
        _check_offsets(offsets, "commit")
        if group_metadata.generation < 0 or not group_metadata.member_id:
            self._state = "failed"  # the broker would take them as a non-member's, unchecked
            raise CommitError(
                f"member {group_metadata.member_id!r} of generation {group_metadata.generation} "
                "is in no generation of the group (it was dropped from it: a zombie)",
                group=group_metadata.group_id,
                partitions=offsets,
            )
        partitions = {TopicPartition(*tp): offset for tp, offset in offsets.items()}
        try:
            await send_offsets(self._producer, partitions, group_metadata)
        except RefusedMember as exc:
            self._state = "failed"
            raise CommitError(str(exc), group=group_metadata.group_id, partitions=offsets) from exc
        except ProducerFenced as exc:
            self._state = "fenced"
            raise FencedError(transactional_id=self._id, doing=doing) from exc
        except KafkaError as exc:
            self._state = "failed"
            raise CommitError(str(exc), group=group_metadata.group_id, partitions=offsets) from exc

    async def _end(self, doing: str, end: Callable[[], Awaitable[None]]) -> None:
        """Commit or abort, in the SDK's terms: fenced, or failed (then abort)."""
        try:
            await end()
        except ProducerFenced as exc:
            self._state = "fenced"
            raise FencedError(transactional_id=self._id, doing=doing) from exc
        except KafkaError as exc:
            self._state = "failed"
            raise self._error(str(exc), doing) from exc
        self._state = "ready"

    def _check(self, doing: str) -> None:
        if self._state == "fenced":
            raise FencedError(transactional_id=self._id, doing=doing)
        if self._state in ("new", "stopped"):
            raise self._error("the producer is not started", doing)

    def _required(self, doing: str) -> str:
        self._check(doing)
        if self._state == "ready":
            raise self._error("no transaction is open (begin one first)", doing)
        return self._state

    def _error(self, reason: str, doing: str) -> TransactionError:
        return TransactionError(reason, transactional_id=self._id, doing=doing)


def _no_such_partition(known: Iterable[int]) -> str:
    found = sorted(known)
    if not found:
        return "the topic has no partitions"
    return f"the topic has partitions {found[0]}..{found[-1]}"


class KafkaConsumer:
    """Implements ``sdk.types.TransactionalConsumerT`` on ``AIOKafkaConsumer``, committing
    only by hand.

    aiokafka's errors reach the caller as the SDK's (``FetchError``, ``CommitError``, ...), each
    naming the group and partitions, with aiokafka's as its ``__cause__``.
    """

    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        listener: _Listener,
        servers: Sequence[str],
        group_id: str,
    ) -> None:
        self._consumer = consumer
        self._listener = listener
        self._servers = servers
        self.group_id = group_id
        self._state: Literal["new", "started", "stopped"] = "new"

    async def start(self) -> None:
        await _start(self._consumer.start, self._consumer.stop, self._servers)
        self._state = "started"

    async def stop(self) -> None:
        self._state = "stopped"  # it holds nothing now, though aiokafka still lists its partitions
        _leave_in_generation_0(self._consumer)
        try:
            await self._consumer.stop()
        except KafkaError as exc:
            raise TransportError(
                f"stopping the consumer of group {self.group_id!r} failed: {exc}"
            ) from exc

    def subscribe(self, topics: Iterable[str] = (), *, pattern: str | None = None) -> None:
        names = sorted(topics)
        if pattern is not None:
            re.compile(pattern)  # re.error, as the other transports raise (aiokafka: ValueError)
        if pattern is None and not names:
            self._consumer.unsubscribe()
        elif pattern is None:
            self._consumer.subscribe(names, listener=self._listener)
        else:  # aiokafka takes names or a pattern, matched from the start: make one full match
            every = [f"(?:{pattern})", *(re.escape(name) for name in names)]
            self._consumer.subscribe(pattern=f"(?:{'|'.join(every)})\\Z", listener=self._listener)

    async def getmany(
        self, *, timeout: float, max_records: int | None = None
    ) -> Mapping[TP, Sequence[Message]]:
        if self._state != "started":  # aiokafka fails on an attribute of what start makes
            said = "stopped" if self._state == "stopped" else "not started"
            raise RuntimeError(f"the consumer of group {self.group_id!r} is {said}")
        try:
            batch = await self._consumer.getmany(
                timeout_ms=round(timeout * 1000), max_records=max_records
            )
        except ConsumerStoppedError:  # stopped while it waited; a misuse, not the broker's doing
            raise RuntimeError(f"the consumer of group {self.group_id!r} is stopped") from None
        except KafkaError as exc:
            raise FetchError(str(exc), group=self.group_id, partitions=self.assignment()) from exc
        return {
            TP(tp.topic, tp.partition): [
                Message(
                    r.topic,
                    r.partition,
                    r.offset,
                    r.timestamp / 1000,
                    r.timestamp_type,
                    tuple(r.headers),
                    r.key,
                    r.value,
                )
                for r in records
            ]
            for tp, records in batch.items()
        }

    def group_metadata(self) -> GroupMetadata:
        coordinator = self._consumer._coordinator
        if self._state != "started" or coordinator is None:
            raise RuntimeError(f"the consumer of group {self.group_id!r} is not started")
        return GroupMetadata(
            group_id=self.group_id,
            generation=coordinator.generation,
            member_id=coordinator.member_id,
        )

    def assignment(self) -> frozenset[TP]:
        if self._state != "started":
            return frozenset()
        return frozenset(TP(tp.topic, tp.partition) for tp in self._consumer.assignment())

    async def commit(self, offsets: Mapping[TP, int]) -> None:
        _check_offsets(offsets, "commit")
        try:
            await self._consumer.commit({TopicPartition(*tp): o for tp, o in offsets.items()})
        except KafkaError as exc:  # IllegalStateError too: a partition no longer this member's
            raise CommitError(str(exc), group=self.group_id, partitions=offsets) from exc

    async def committed(self, tp: TP) -> int | None:
        try:
            return await self._consumer.committed(TopicPartition(*tp))
        except KafkaError as exc:
            raise CommitError(
                str(exc),
                group=self.group_id,
                partitions=[tp],
                doing="reading the committed offset of",
            ) from exc

    def seek(self, tp: TP, offset: int) -> None:
        _check_offsets({tp: offset}, "seek")
        partition = TopicPartition(*tp)
        if partition not in self._consumer.assignment():  # aiokafka: an assert, or its
            raise ValueError(  # IllegalStateError; memory:// says it so, as the caller's mistake
                f"{tp} is not assigned to this consumer of {self.group_id!r}"
            )
        self._consumer.seek(partition, offset)


def _leave_in_generation_0(consumer: AIOKafkaConsumer) -> None:
    """Make aiokafka's stop leave the group in its generation 0 too.

    aiokafka sends LeaveGroup only from generation 1 on, Kafka's first; Tansu numbers its first
    generation 0, so a member that stopped in it stayed in the group until its session ran out,
    and the next member of the group (a restart) waited that long to be given a partition.
    LeaveGroup names no generation: saying 1 changes nothing else, and stop forgets it.
    """
    coordinator = consumer._coordinator  # aiokafka's own, typed in stubs/: there is no public way
    if coordinator is not None and coordinator.generation == 0:
        coordinator.generation = 1


def _check_offsets(offsets: Mapping[TP, int], doing: str) -> None:
    for tp, offset in offsets.items():
        if offset < 0:
            raise ValueError(f"cannot {doing} {tp} at offset {offset}: offsets start at 0")


_REFUSED: Final = (
    ssl.SSLError,
    SaslAuthenticationFailed,
    AuthenticationFailedError,
    UnsupportedSaslMechanismError,
    IllegalSaslStateError,
)
"""What a server that was reached answers to credentials or a certificate it will not take."""


async def _start(
    start: Callable[[], Awaitable[None]],
    close: Callable[[], Awaitable[None]],
    servers: Sequence[str],
) -> None:
    """Start a client; if it cannot, close it and say where and why, in the SDK's terms."""
    failures = _ConnectFailures(servers)
    aiokafka_logger = logging.getLogger("aiokafka")
    aiokafka_logger.addHandler(failures)
    try:
        await start()
    except BaseException as exc:  # one that failed to start still holds connections: close it
        try:
            await close()
        except Exception:  # the start's error is the one to raise, this one is logged
            logging.getLogger(__name__).exception("closing a Kafka client failed too")
        if isinstance(exc, KafkaConnectionError):
            reasons = failures.reasons or {", ".join(servers): exc}
            why = "; ".join(f"{srv}: {str(e) or type(e).__name__}" for srv, e in reasons.items())
            refused = any(isinstance(e, _REFUSED) for e in reasons.values())
            kind = AuthenticationError if refused else BrokerConnectionError
            raise kind(f"cannot connect to Kafka at {why}") from exc
        if isinstance(exc, KafkaError):
            where = ", ".join(servers)
            raise TransportError(f"starting a Kafka client of {where} failed: {exc}") from exc
        raise
    finally:
        aiokafka_logger.removeHandler(failures)


class _ConnectFailures(logging.Handler):
    """Why each server could not be connected to, which aiokafka only logs.

    aiokafka raises "Unable to bootstrap" and logs the reason (refused, a certificate not
    trusted, a password refused) as an argument of an error record: kept here for the error.
    """

    def __init__(self, servers: Sequence[str]) -> None:
        super().__init__(logging.ERROR)
        self._servers = frozenset(servers)
        self.reasons: dict[str, BaseException] = {}

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        if len(args) == 3 and isinstance(args[2], BaseException):
            server = f"{args[0]}:{args[1]}"
            if server in self._servers:
                self.reasons[server] = args[2]


class _HideSaslExchange(logging.Filter):
    """aiokafka logs every request at DEBUG, the SASL exchange too: a PLAIN password in clear."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(map(_is_sasl_exchange, record.args)):
            record.args = tuple(
                "<SASL exchange hidden>" if _is_sasl_exchange(a) else a for a in record.args
            )
        return True


def _is_sasl_exchange(arg: object) -> bool:
    return type(arg).__name__.startswith("SaslAuthenticate")


logging.getLogger("aiokafka.conn").addFilter(_HideSaslExchange())


class _Listener(ConsumerRebalanceListener):
    def __init__(
        self, on_assigned: PartitionsCallback | None, on_revoked: PartitionsCallback | None
    ) -> None:
        self._on_assigned = on_assigned
        self._on_revoked = on_revoked

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        if self._on_revoked is not None:
            await self._on_revoked(frozenset(TP(*tp) for tp in revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        if self._on_assigned is not None:
            await self._on_assigned(frozenset(TP(*tp) for tp in assigned))


class KafkaAck:
    """Implements ``sdk.types.AckT``: aiokafka's future, its metadata in the SDK's terms.

    A view, not a second future: nothing more is scheduled per message.
    """

    __slots__ = ("_partition", "_sent", "_topic", "_transactional_id")

    def __init__(
        self,
        sent: asyncio.Future[KafkaRecordMetadata],
        topic: str,
        partition: int | None,
        transactional_id: str | None = None,
    ) -> None:
        self._sent = sent
        self._topic = topic
        self._partition = partition
        """As the sender gave it: aiokafka's future does not say which partition it chose."""
        self._transactional_id = transactional_id

    def done(self) -> bool:
        return self._sent.done()

    def result(self) -> RecordMetadata:
        try:
            sent = self._sent.result()
        except KafkaError as exc:
            raise _send_error(exc, self._topic, self._partition, self._transactional_id) from exc
        return _metadata(sent)

    def add_done_callback(self, fn: Callable[[Any], object], /) -> None:
        self._sent.add_done_callback(fn)

    def __await__(self) -> Generator[Any, None, RecordMetadata]:
        try:
            sent = yield from self._sent.__await__()
        except KafkaError as exc:
            raise _send_error(exc, self._topic, self._partition, self._transactional_id) from exc
        return _metadata(sent)


def _send_error(
    exc: KafkaError, topic: str, partition: int | None, transactional_id: str | None
) -> TransportError:
    """A ``FencedError`` if a newer producer fenced this transactional one, else a ``SendError``."""
    if isinstance(exc, ProducerFenced) and transactional_id is not None:
        return FencedError(transactional_id=transactional_id, doing="sending in")
    return SendError(str(exc), topic=topic, partition=partition)


def _metadata(r: KafkaRecordMetadata) -> RecordMetadata:
    """Seconds, as the SDK has them; a broker that gave no timestamp gives 0.0."""
    stamp = r.timestamp / 1000 if r.timestamp is not None and r.timestamp >= 0 else 0.0
    return RecordMetadata(r.topic, r.partition, r.offset, stamp, r.timestamp_type)
