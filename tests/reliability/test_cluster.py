"""A partition's leader SIGKILLed on a three-node Apache Kafka cluster (KRaft), with
``replicas=3``, ``min.insync.replicas=2`` and ``acks=all``: how the SDK runs once its users are
on a cluster. Every acknowledged write is there afterwards, every send's future settles within
its timeout, and the same app goes on sending, and consuming, after the failover.

Slow (a cluster of three JVMs is started for this module): ``make test-slow`` runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import time
from collections import Counter
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import pytest
from aiokafka.errors import KafkaError, KafkaTimeoutError

from sdk import App
from sdk.errors import SendError
from sdk.impl.timeouts import within
from sdk.impl.transports.kafka import KafkaSettings, KafkaTransport
from sdk.types import TP, FutureMessage, TopicT
from tests.brokers import TEST_SETTINGS, KafkaCluster, KafkaNode, kafka_cluster
from tests.reliability.conftest import Record

pytestmark = pytest.mark.slow

CI = os.environ.get("CI") == "true"
PARTITIONS = 3
N = 3000
"""Messages sent while the leader is killed: ten every PACE seconds, about 6 s in all."""
PACE = 0.02
KILL_AT = 1000
"""Messages sent when the leader of partition KILLED is SIGKILLed."""
KILLED = 0
AFTER = 300
"""Messages sent once the sends above settled: each must resolve."""
REQUEST_TIMEOUT = 10.0
SETTLE_WITHIN = 2 * REQUEST_TIMEOUT + 1.0
"""aiokafka's bound on a send: up to ``request_timeout_ms`` to get into a batch (its ``send``
waits while the partition's batch is being retried), then up to ``request_timeout_ms`` for the
batch's answer. A future neither resolved nor failed by then, after its send, is lost."""
WITHIN = 30.0
"""Seconds to read back or consume everything; what is missing then is lost."""


@pytest.fixture(scope="module")
def cluster() -> Generator[KafkaCluster, None, None]:
    """Three nodes for this module only; every node killed when it ends, whatever happened."""
    started = False
    try:
        with kafka_cluster() as running:
            started = True
            yield running
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        if started:
            raise
        if CI:
            pytest.fail(f"a three-node Apache Kafka cluster is needed in CI: {exc}")
        pytest.skip(f"a three-node Apache Kafka cluster could not be started: {exc}")


@pytest.fixture
def healthy(cluster: KafkaCluster) -> KafkaCluster:
    """The cluster with every node up: a node an earlier test killed is started again."""
    dead = [node for node in cluster.nodes.values() if not node.running]
    for node in dead:
        node.start()
    if dead:
        asyncio.run(cluster.ready())
    return cluster


def app_on(cluster: KafkaCluster, id: str) -> App:
    settings: KafkaSettings = {
        **TEST_SETTINGS,
        "acks": "all",
        "request_timeout_ms": round(REQUEST_TIMEOUT * 1000),
    }
    return App(id, broker=KafkaTransport(cluster.broker.url, **settings))


async def replicated_topic(app: App, cluster: KafkaCluster, name: str) -> TopicT[Any, int]:
    """The topic declared with 3 replicas and min.insync.replicas=2, checked on the cluster."""
    topic = app.topic(
        name,
        value_type=int,
        internal=True,
        partitions=PARTITIONS,
        replicas=3,
        config={"min.insync.replicas": "2"},
    )
    await topic.declare()
    for p in range(PARTITIONS):
        state = await cluster.partition(name, p)
        assert len(state.replicas) == 3, f"{name}[{p}] has replicas {state.replicas}"
        assert sorted(state.isr) == sorted(state.replicas), f"{name}[{p}]: {state}"
    return topic


@dataclass
class Sent:
    """One send and when it settled (``None``: not within SETTLE_WITHIN)."""

    fut: FutureMessage[Any, int]
    at: float
    settled: float | None = None

    @property
    def value(self) -> int:
        return self.fut.message.value

    @property
    def partition(self) -> int:
        return self.value % PARTITIONS

    def error(self) -> BaseException | None:
        """What it failed with; ``None`` if it resolved, or has not settled."""
        if self.settled is None:
            return None
        try:
            self.fut.result()
        except Exception as error:  # noqa: BLE001  # counted: the tests check the classes
            return error
        return None


async def watch(sent: Sent) -> None:
    """Note when ``sent`` settled, resolved or failed; leave ``settled`` unset past its time."""
    with contextlib.suppress(TimeoutError):
        await within(SETTLE_WITHIN, _outcome(sent.fut))
        sent.settled = time.monotonic()


async def _outcome(fut: FutureMessage[Any, int]) -> None:
    with contextlib.suppress(Exception):  # watch reads the outcome from the future
        await fut


class Sender:
    """Sends ``send_soon(value=i, partition=i % PARTITIONS)``, ten every PACE seconds, and
    watches every future: explicit partitions, so that a failure names the partition."""

    def __init__(self, topic: TopicT[Any, int]) -> None:
        self.topic = topic
        self.sent: list[Sent] = []
        self.halfway = asyncio.Event()
        """Set once KILL_AT messages were sent."""
        self._watchers: list[asyncio.Future[None]] = []

    async def send(self, values: range, pace: float = PACE) -> None:
        for value in values:
            fut = self.topic.send_soon(value=value, partition=value % PARTITIONS)
            self.sent.append(sent := Sent(fut, time.monotonic()))
            self._watchers.append(asyncio.ensure_future(watch(sent)))
            if len(self.sent) >= KILL_AT:
                self.halfway.set()
            if pace and value % 10 == 9:
                await asyncio.sleep(pace)

    async def settle(self) -> None:
        await asyncio.gather(*self._watchers)

    def resolved(self) -> dict[int, int]:
        """Value to offset, of every send that resolved."""
        return {
            s.value: s.fut.result().offset
            for s in self.sent
            if s.settled is not None and s.error() is None
        }

    def failed(self) -> list[BaseException]:
        return [e for s in self.sent if (e := s.error()) is not None]

    def pending(self) -> list[int]:
        return [s.value for s in self.sent if s.settled is None]


async def first_of(task: asyncio.Future[None], reached: asyncio.Event) -> None:
    """Wait until ``reached`` is set; raise what ``task`` raised if it ends first."""
    waiting = asyncio.ensure_future(reached.wait())
    either: list[asyncio.Future[Any]] = [task, waiting]
    try:
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
    if not reached.is_set():
        task.result()
        raise AssertionError(f"{task} ended before it got that far")


def unexpected(failed: list[BaseException], topic: str) -> list[BaseException]:
    """Failures that are not what a failover causes: the SDK's ``SendError`` naming the topic
    and the partition, caused by a retriable Kafka error or by ``request_timeout_ms``."""
    return [
        e
        for e in failed
        if not (
            isinstance(e, SendError)
            and e.topic == topic
            and e.partition is not None
            and f"partition {e.partition}" in str(e)
            and isinstance(cause := e.__cause__, KafkaError)
            and (cause.retriable or isinstance(cause, KafkaTimeoutError))
        )
    ]


def kinds(failed: list[BaseException]) -> str:
    """``SendError(NotEnoughReplicasError)``: the SDK's errors and the client's under them."""
    named = {
        type(e).__name__ + (f"({type(e.__cause__).__name__})" if e.__cause__ else "")
        for e in failed
    }
    return ", ".join(sorted(named)) or "none"


async def read_back(cluster: KafkaCluster, name: str, wanted: set[int]) -> Counter[int]:
    """Every value on the topic, counted, read by a fresh consumer group: until all of
    ``wanted`` were read and then nothing more came for a second, or WITHIN seconds."""
    landed: Counter[int] = Counter()
    deadline = time.monotonic() + WITHIN
    async with app_on(cluster, f"{name}-check") as app:
        check = app.topic(name, value_type=int)
        while (left := deadline - time.monotonic()) > 0:
            rest = 1.0 if wanted <= landed.keys() else left
            try:
                landed[(await check.get(timeout=min(rest, left))).value] += 1
            except TimeoutError:
                if wanted <= landed.keys():
                    break
    return landed


async def test_leader_killed_while_producing_loses_no_acknowledged_write(
    healthy: KafkaCluster, name: str, record: Record
) -> None:
    cluster = healthy
    async with app_on(cluster, name) as app:
        topic = await replicated_topic(app, cluster, name)
        sender = Sender(topic)
        sending = asyncio.ensure_future(sender.send(range(N)))
        try:
            await first_of(sending, sender.halfway)
            killed = await cluster.kill_leader(name, KILLED)
            killed_at, killed_after = time.monotonic(), len(sender.sent)
        finally:
            await sending
        await sender.settle()
        # the same app, not restarted: every send after the failover resolves
        await sender.send(range(N, N + AFTER), pace=0)
        await sender.settle()
    new_leader = (await cluster.partition(name, KILLED)).leader
    restart_took = await restart(cluster, killed)
    rejoined = await back_in_sync(cluster, name, KILLED, killed.node_id)

    resolved, failed, pending = sender.resolved(), sender.failed(), sender.pending()
    landed = await read_back(cluster, name, set(resolved))
    unread = set(resolved) - landed.keys()
    recovered = first_ack(sender.sent[killed_after:], killed_at, {KILLED})
    others = first_ack(sender.sent[killed_after:], killed_at, set(range(PARTITIONS)) - {KILLED})
    slowest = max(s.settled - s.at for s in sender.sent if s.settled is not None)
    record(
        f"3-node cluster: leader of a partition SIGKILLed while producing (acks=all, 3 replicas,"
        f" min.insync.replicas=2; {len(failed)} failed in time: {kinds(failed)}; slowest send"
        f" settled in {slowest:.1f} s; the other partitions' first ack {others or 0:.1f} s after"
        f" the kill; node restarted in {restart_took:.1f} s, back in the ISR in {rejoined:.1f} s)",
        "kafka, 3 nodes",
        len(sender.sent),
        len(resolved),
        sum(n - 1 for n in landed.values()),
        len(pending) + len(unread),
        None if recovered is None else round(recovered, 2),
    )
    assert killed_after < N, "the leader was killed after the last send"
    assert not pending, (
        f"{len(pending)} of {len(sender.sent)} futures neither resolved nor failed within"
        f" {SETTLE_WITHIN} s of their send: {pending[:10]}"
    )
    assert not unread, (
        f"{len(unread)} of {len(resolved)} acknowledged writes are not on the topic after the"
        f" failover: {sorted(unread)[:10]}"
    )
    assert not unexpected(failed, name), unexpected(failed, name)[:5]
    assert set(range(N, N + AFTER)) <= set(resolved), "a send after the failover did not resolve"
    assert recovered is not None, f"no send to partition {KILLED} resolved after the kill"
    assert new_leader != killed.node_id, f"{name}[{KILLED}] still led by the killed node"
    assert rejoined < WITHIN  # the restarted node caught up from its own data


def first_ack(sent: list[Sent], since: float, partitions: set[int]) -> float | None:
    """Seconds from ``since`` to the first of ``sent`` to ``partitions`` that resolved."""
    return min(
        (
            s.settled - since
            for s in sent
            if s.partition in partitions and s.settled is not None and s.error() is None
        ),
        default=None,
    )


async def restart(cluster: KafkaCluster, node: KafkaNode) -> float:
    """Start the killed ``node`` again; seconds until it is a broker again."""
    began = time.monotonic()
    await cluster.restart(node)
    return time.monotonic() - began


async def back_in_sync(cluster: KafkaCluster, name: str, partition: int, node_id: int) -> float:
    """Seconds until ``node_id`` is in the ISR of ``partition`` again: it caught up on the
    writes made while it was dead, from the data it had."""
    began = time.monotonic()
    while node_id not in (state := await cluster.partition(name, partition)).isr:
        if time.monotonic() - began > WITHIN:
            raise AssertionError(f"node {node_id} not back in the ISR in {WITHIN} s: {state}")
        await asyncio.sleep(0.1)
    return time.monotonic() - began


async def test_leader_killed_while_consuming_goes_on_and_loses_nothing(
    healthy: KafkaCluster, name: str, record: Record
) -> None:
    """The node killed leads a partition the app reads and is its group's coordinator: the
    app's fetches and its commits both fail over."""
    cluster = healthy
    processed: list[tuple[int, int, int, float]] = []
    """(partition, offset, value, when) of every event the app took."""
    wanted: set[int] | None = None
    halfway = asyncio.Event()

    def values() -> set[int]:
        return {v for _, _, v, _ in processed}

    async with app_on(cluster, f"{name}-send") as sending_app:
        topic = await replicated_topic(sending_app, cluster, name)
        async with app_on(cluster, name) as app:
            source = app.topic(name, value_type=int)

            async def consume() -> None:
                async for event in source:  # moving on acks the event before
                    message = event.message
                    processed.append(
                        (message.partition, message.offset, event.value, time.monotonic())
                    )
                    if len(processed) >= KILL_AT:
                        halfway.set()
                    if wanted is not None and wanted <= values():
                        break

            consuming = asyncio.ensure_future(consume())
            sender = Sender(topic)
            producing = asyncio.ensure_future(sender.send(range(N)))
            try:
                await first_of(consuming, halfway)
                coordinator = await cluster.coordinator(name)
                partition = await cluster.led_by(name, coordinator)
                killed = await cluster.kill_leader(name, partition)
                killed_at, killed_after = time.monotonic(), len(sender.sent)
            finally:
                await producing
            await sender.settle()
            wanted = set(sender.resolved())
            if not wanted <= values():  # else it waits for an event that will not come
                await asyncio.wait({consuming}, timeout=WITHIN)
            consuming.cancel()
            await asyncio.wait({consuming})
            if not consuming.cancelled():
                consuming.result()  # what the app's consumer raised, if it did
        # stopped: what it moved on from is committed
        committed = await committed_offsets(cluster, name)
    seen = Counter(v for _, _, v, _ in processed)
    missing = wanted - seen.keys()
    recovered = min(
        (t - killed_at for p, _, v, t in processed if p == partition and v >= killed_after),
        default=None,
    )
    record(
        f"3-node cluster: leader of a partition (and the group's coordinator) SIGKILLed while"
        f" consuming with acks ({len(sender.failed())} sends failed in time:"
        f" {kinds(sender.failed())})",
        "kafka, 3 nodes",
        len(sender.sent),
        len(seen),
        sum(n - 1 for n in seen.values()),
        len(missing),
        None if recovered is None else round(recovered, 2),
    )
    assert coordinator == killed.node_id
    assert not missing, (
        f"{len(missing)} of {len(wanted)} acknowledged messages not consumed within {WITHIN} s"
        f" of the last send: {sorted(missing)[:10]}"
    )
    assert recovered is not None, f"nothing sent to partition {partition} after the kill was read"
    acked = processed[:-1]  # the event in hand when the loop ended was not moved on from
    done = {p: 1 + max(o for q, o, _, _ in acked if q == p) for p in range(PARTITIONS)}
    assert all(committed[p] >= done[p] for p in range(PARTITIONS)), (
        f"the stopped app did not commit what it had acked: committed {committed}, acked {done}"
    )


async def committed_offsets(cluster: KafkaCluster, group: str) -> dict[int, int]:
    """The offsets group ``group`` committed on topic ``group`` (the app's id names both)."""
    consumer = KafkaTransport(cluster.broker.url).create_consumer(group)
    await consumer.start()
    try:
        return {p: await consumer.committed(TP(group, p)) or 0 for p in range(PARTITIONS)}
    finally:
        await consumer.stop()


# Exactly-once over the failover (issue 11, item 7) belongs here: a consume-transform-produce
# app with processing_guarantee="exactly_once", its source and output topics on this cluster
# (replicas=3, min.insync.replicas=2; the cluster's transaction log already has 3 replicas and
# min ISR 2), the leader of a source partition and then of the transaction coordinator killed
# mid-stream; a read_committed consumer of the output must hold every input exactly once.
# Written and tried (2026-12-03): 5 of 5 runs exact here, but in CI the app's commit failed
# during the failover of its transaction coordinator and its transactions stopped ("its last
# commit failed"), so it did not go on without a restart. The app must retry a commit that
# fails retriably first; the test waits for that.
