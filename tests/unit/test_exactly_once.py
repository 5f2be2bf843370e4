"""``processing_guarantee="exactly_once"`` on memory://: every input's outputs are read once by
a ``read_committed`` reader, across a kill in the middle of an event, a ``break``, a stop.

Each scenario also runs under ``at_least_once``, where it must show what exactly-once prevents
(outputs before their offsets, duplicates after a kill or a break): a scenario that passed
under both would prove nothing.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import pytest

from sdk import App, Topic
from sdk.errors import TransactionError
from sdk.impl.timeouts import within
from sdk.impl.transports.memory import (
    Acked,
    MemoryBroker,
    MemoryConsumer,
    MemoryProducer,
    MemoryTransport,
    TransactionalProducer,
    _Group,
    broker_for,
)
from sdk.types import TP, Capability, ProcessingGuarantee, TopicSettings

INPUTS = 240
PARTITIONS = 2
GUARANTEES: list[ProcessingGuarantee] = ["exactly_once", "at_least_once"]


def url() -> str:
    return f"memory://eos-{uuid.uuid4().hex}"


async def fill(where: str, count: int = INPUTS) -> None:
    """``count`` inputs ``b"0"``, ``b"1"``... spread over the partitions of ``src``."""
    producer = MemoryTransport(where).create_producer()
    await producer.create_topic("src", TopicSettings(partitions=PARTITIONS))
    for i in range(count):
        await producer.send("src", None, str(i).encode(), partition=i % PARTITIONS)


def make_app(where: str, guarantee: ProcessingGuarantee, **settings: Any) -> App:
    return App(
        "pipeline", broker=where, processing_guarantee=guarantee, commit_interval=0.01, **settings
    )


def topics(app: App, maxsize: int = 4096) -> tuple[Topic[Any, bytes], Topic[Any, bytes]]:
    src = app.topic("src", value_type=bytes, value_serializer="raw", maxsize=maxsize)
    dst = app.topic("dst", value_type=bytes, value_serializer="raw")
    return src, dst


async def process(
    src: Topic[Any, bytes],
    dst: Topic[Any, bytes],
    hang_at: int | None = None,
    hung: asyncio.Event | None = None,
) -> None:
    """Two outputs per input, ``a:`` and ``b:``; with ``hang_at``, the ``hang_at``-th event
    hangs between its two sends (where it is killed), and says so in ``hung``. Each event
    waits a little first and between its sends, as I/O would, so that transactions commit
    meanwhile: between events, and while one is half done."""
    seen = 0
    async for event in src:
        await asyncio.sleep(0.0005)
        await dst.send(value=b"a:" + event.value)
        seen += 1
        if seen == hang_at:
            if hung is not None:
                hung.set()
            await asyncio.Event().wait()
        await asyncio.sleep(0)
        await dst.send(value=b"b:" + event.value)


async def committed_outputs(where: str) -> Counter[bytes]:
    """Every output a ``read_committed`` reader of ``dst`` reads, counted."""
    reader = MemoryTransport(where).create_consumer(
        f"reader-{uuid.uuid4().hex}", isolation_level="read_committed"
    )
    await reader.start()
    reader.subscribe(["dst"])
    got: Counter[bytes] = Counter()
    while batch := await reader.getmany(timeout=0.01):
        for messages in batch.values():
            got.update(message.value or b"" for message in messages)
    await reader.stop()
    return got


def committed_offsets(where: str) -> dict[TP, int]:
    return dict(broker_for(where).group("pipeline").committed)


async def until(condition: Any, what: str, seconds: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        await asyncio.sleep(0.005)


def kill(app: App, *tasks: asyncio.Task[None]) -> None:
    """What SIGKILL does to the app: its tasks end where they are, nothing is committed or
    stopped, and the broker drops its consumer from the group (its session ended)."""
    for task in tasks:
        task.cancel()
    loop = app._loop  # the test reaches into the app, as a kill reaches into the process
    assert loop is not None
    assert loop._task is not None
    loop._task.cancel()
    if loop._committing is not None:
        loop._committing.cancel()
    consumer = loop._consumer
    assert isinstance(consumer, MemoryConsumer)
    assert consumer._group is not None
    consumer._group.expire(consumer)
    consumer._group = None


async def run_to_the_end(where: str, guarantee: ProcessingGuarantee, **settings: Any) -> None:
    """A fresh app processes everything left, and stops once all is committed."""
    app = make_app(where, guarantee, **settings)
    src, dst = topics(app)
    async with app:
        worker = asyncio.ensure_future(process(src, dst))
        done = {TP("src", p): INPUTS // PARTITIONS for p in range(PARTITIONS)}
        await until(lambda: committed_offsets(where) == done, "every input committed")
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)


def every_output_once(outputs: Counter[bytes]) -> list[str]:
    """What is wrong with ``outputs``: each input's two outputs, once each, is right."""
    wanted = {p + str(i).encode() for i in range(INPUTS) for p in (b"a:", b"b:")}
    twice = sorted(v.decode() for v, n in outputs.items() if n > 1)
    missing = sorted(v.decode() for v in wanted - set(outputs))
    return [f"{len(twice)} outputs read twice or more"] * bool(twice) + [
        f"{len(missing)} outputs missing"
    ] * bool(missing)


@pytest.mark.parametrize("guarantee", GUARANTEES)
async def test_outputs_are_visible_exactly_when_their_inputs_offsets_are_committed(
    guarantee: ProcessingGuarantee,
) -> None:
    """At any moment, a read_committed reader sees both outputs of each input below the
    committed offsets, once, and nothing of any input at or above them."""
    where = url()
    await fill(where)
    app = make_app(where, guarantee)
    src, dst = topics(app)
    wrong: list[str] = []
    async with app:
        seen = 0
        async for event in src:
            await asyncio.sleep(0)
            await dst.send(value=b"a:" + event.value)
            await asyncio.sleep(0)
            await dst.send(value=b"b:" + event.value)
            seen += 1
            if seen % 20 == 0:  # look while this event is in hand and sent
                offsets = committed_offsets(where)
                outputs = await committed_outputs(where)
                for i in range(seen):
                    below = i // PARTITIONS < offsets.get(TP("src", i % PARTITIONS), 0)
                    counts = {outputs[p + str(i).encode()] for p in (b"a:", b"b:")}
                    if counts != ({1} if below else {0}):
                        wrong.append(f"input {i} (committed: {below}) has outputs {counts}")
            if seen == INPUTS:
                event.ack()
                break
    commits = committed_offsets(where)
    if guarantee == "exactly_once":
        assert wrong == []
        assert every_output_once(await committed_outputs(where)) == []
        assert sum(commits.values()) > 0
    else:
        assert wrong, "under at_least_once, outputs are visible before their offsets commit"


@pytest.mark.parametrize(
    ("guarantee", "fenced"),
    [("exactly_once", True), ("exactly_once", False), ("at_least_once", False)],
    ids=["exactly_once-same-transactional-id", "exactly_once-timed-out", "at_least_once"],
)
async def test_a_kill_between_an_events_sends_leaves_every_output_once(
    guarantee: ProcessingGuarantee, fenced: bool
) -> None:
    """Killed half-way through an event after some commits, then restarted: a read_committed
    reader reads each output once. The restarted app fences the killed one with the same
    transactional id; with new ids, the broker's transaction timeout aborts the open one."""
    where = url()
    await fill(where)
    broker_for(where).transaction_timeout = 0.2
    settings = {"transactional_id": "pipeline-0"} if fenced else {}
    app = make_app(where, guarantee, **settings)
    src, dst = topics(app)
    await app.start()
    hung = asyncio.Event()
    worker = asyncio.ensure_future(process(src, dst, hang_at=INPUTS // 2, hung=hung))
    await until(hung.is_set, "the event to hang")
    await asyncio.sleep(0.15)  # a fetch's timeout and more: a commit is tried while it hangs
    assert sum(committed_offsets(where).values()) > 0, "nothing was committed before the kill"
    kill(app, worker)
    await run_to_the_end(where, guarantee, **settings)
    problems = every_output_once(await committed_outputs(where))
    if guarantee == "exactly_once":
        assert problems == []
    else:
        assert any("twice" in p for p in problems), "at_least_once made nothing twice"


@pytest.mark.parametrize(
    ("guarantee", "acked"),
    [("exactly_once", False), ("exactly_once", True), ("at_least_once", False)],
)
async def test_a_break_commits_no_output_of_the_event_it_leaves(
    guarantee: ProcessingGuarantee, acked: bool
) -> None:
    """``break`` out of ``async for`` leaves its event not done (unless acked first): the stop
    commits none of its outputs (under exactly-once it aborts the transaction holding them),
    and after a restart every output is read once. An event acked before the break is done:
    the stop commits it, with all before it."""
    where = url()
    await fill(where)
    app = make_app(where, guarantee)
    src, dst = topics(app)
    last = INPUTS // 3
    async with app:
        seen = 0
        async for event in src:
            await asyncio.sleep(0.0005)
            await dst.send(value=b"a:" + event.value)
            await dst.send(value=b"b:" + event.value)
            seen += 1
            if seen == last:
                if acked:
                    event.ack()
                break
    offsets = committed_offsets(where)
    outputs = await committed_outputs(where)
    if acked:
        assert sum(offsets.values()) == last
        assert sum(outputs.values()) == 2 * last
    await run_to_the_end(where, guarantee)
    problems = every_output_once(await committed_outputs(where))
    if guarantee == "exactly_once":
        assert problems == []
        assert sum(outputs.values()) == 2 * sum(offsets.values()), "outputs without offsets"
    else:
        assert any("twice" in p for p in problems), "at_least_once made nothing twice"


@pytest.mark.parametrize("guarantee", GUARANTEES)
async def test_an_exactly_once_app_reads_no_aborted_input(guarantee: ProcessingGuarantee) -> None:
    """Its consumer reads with read_committed: inputs of an aborted transaction are never
    processed (an at_least_once app reads them, read_uncommitted)."""
    where = url()
    writer = MemoryTransport(where).create_transactional_producer("upstream")
    await writer.start()
    for outcome, value in (("abort", b"aborted"), ("commit", b"committed")):
        await writer.begin()
        await writer.send("src", None, value)
        await (writer.abort() if outcome == "abort" else writer.commit())
    app = make_app(where, guarantee)
    src, _ = topics(app)
    async with app:
        first = await src.get(timeout=5.0)
    assert first.value == (b"committed" if guarantee == "exactly_once" else b"aborted")


class _Plain(MemoryTransport):
    """memory:// declaring all but transactions."""

    @property
    def capabilities(self) -> frozenset[Capability]:
        return super().capabilities - {"transactions"}


@pytest.mark.parametrize("broker", ["memory-without", "kafka://127.0.0.1:9"])
async def test_exactly_once_refuses_to_start_on_a_transport_without_transactions(
    broker: str,
) -> None:
    """Never run at least once instead, silently: the start fails, saying why, before it
    connects to anything (kafka:// declares transactions only with transactions=true), and
    nothing is left running; at_least_once on the same memory transport starts."""
    transport = _Plain(url()) if broker == "memory-without" else None
    app = App("pipeline", broker=transport or broker, processing_guarantee="exactly_once")
    with pytest.raises(TransactionError, match="does not declare the 'transactions' capability"):
        await app.start()
    assert app.running_producer is None
    if transport is not None:
        async with App("pipeline", broker=transport) as plain:
            assert plain.processing_guarantee == "at_least_once"


async def test_exactly_once_sends_need_the_app_running() -> None:
    """Every send is part of a transaction the running app commits: none before it starts,
    none after it stopped."""
    app = make_app(url(), "exactly_once")
    _, dst = topics(app)
    with pytest.raises(RuntimeError, match="is not running"):
        await dst.send(value=b"early")
    async with app:
        await dst.send(value=b"inside")
    with pytest.raises(RuntimeError, match="is not running"):
        await dst.send(value=b"late")
    assert app.running_producer is None, "a send after stop() started the producer again"


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="processing_guarantee is one of"):
        App("x", processing_guarantee="exactly-once")  # type: ignore[arg-type]  # the typo under test
    with pytest.raises(ValueError, match="commit_interval"):
        App("x", commit_interval=0)
    with pytest.raises(ValueError, match="transactional_id is for"):
        App("x", transactional_id="t")
    assert "exactly_once" in repr(App("x", processing_guarantee="exactly_once"))


@pytest.mark.parametrize(
    ("guarantee", "barrier"),
    [("exactly_once", True), ("at_least_once", True), ("exactly_once", False)],
    ids=["exactly_once", "at_least_once", "exactly_once-without-hand-over-barrier"],
)
async def test_a_second_process_joining_and_leaving_makes_nothing_twice(
    guarantee: ProcessingGuarantee, barrier: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second app of the same id joins mid-stream, takes partitions, and is stopped with an
    event half done: each hand-over commits what the giver did (the leaver's half-done event
    aborted), and the taker reads on from there, so a read_committed reader reads every output
    once. Without memory://'s barrier (a partition read by its new owner before its old
    owner's on_revoked committed), exactly-once makes outputs twice, as at_least_once does."""
    if not barrier:
        monkeypatch.setattr(_Group, "release", lambda *_: None)
    where = url()
    await fill(where, INPUTS)
    first = make_app(where, guarantee)
    src, dst = topics(first, maxsize=8)  # fetched a few at a time: some are left to hand over

    def progress() -> int:
        return sum(committed_offsets(where).values())

    async with first:
        one = asyncio.ensure_future(process(src, dst))
        await until(lambda: progress() >= INPUTS // 4, "a quarter done")
        second = make_app(where, guarantee)
        src2, dst2 = topics(second, maxsize=8)
        reading = src2.__aiter__()  # subscribed before the start: its first fetch is small too
        hung = asyncio.Event()
        async with second:
            two = asyncio.ensure_future(process(reading, dst2, hang_at=INPUTS // 8, hung=hung))
            await until(hung.is_set, "the second app's event to hang")
        two.cancel()
        await asyncio.gather(two, return_exceptions=True)
        await until(lambda: progress() == INPUTS, "all done")
        one.cancel()
        await asyncio.gather(one, return_exceptions=True)
    problems = every_output_once(await committed_outputs(where))
    if guarantee == "exactly_once" and barrier:
        assert problems == []
    else:
        assert any("twice" in p for p in problems), "nothing was made twice"


class _Gated(MemoryTransport):
    """memory://, but a send of a value starting ``b"block"`` waits for ``gate``."""

    gate: asyncio.Event

    def create_producer(self) -> MemoryProducer:
        return _GatedProducer(self.broker, self.gate)

    def create_transactional_producer(self, transactional_id: str) -> TransactionalProducer:
        return _GatedTransactional(self.broker, transactional_id, self.gate)


async def _wait_for(gate: asyncio.Event, value: bytes | None) -> None:
    if value is not None and value.startswith(b"block"):
        await gate.wait()


class _GatedProducer(MemoryProducer):
    def __init__(self, broker: MemoryBroker, gate: asyncio.Event) -> None:
        super().__init__(broker)
        self.gate = gate

    async def send(self, topic: str, key: bytes | None, value: bytes | None, **kw: Any) -> Acked:
        await _wait_for(self.gate, value)
        return await super().send(topic, key, value, **kw)


class _GatedTransactional(TransactionalProducer):
    def __init__(self, broker: MemoryBroker, transactional_id: str, gate: asyncio.Event) -> None:
        super().__init__(broker, transactional_id)
        self.gate = gate

    async def send(self, topic: str, key: bytes | None, value: bytes | None, **kw: Any) -> Acked:
        await _wait_for(self.gate, value)
        return await super().send(topic, key, value, **kw)


@pytest.mark.parametrize("guarantee", GUARANTEES)
async def test_an_events_send_soon_outputs_commit_with_its_offset(
    guarantee: ProcessingGuarantee,
) -> None:
    """``send_soon`` queues an output, and the event moves on: the event is done only once
    its outputs are handed over, so its offset never commits in a transaction before them
    (and a kill then loses none). Here its first output is held up at the producer, its
    second queued behind; the event's offset commits with both."""
    where = url()
    await fill(where, 1)
    transport = _Gated(where)
    transport.gate = gate = asyncio.Event()
    settings = {"transactional_id": "pipeline-0"} if guarantee == "exactly_once" else {}
    app = App(
        "pipeline",
        broker=transport,
        processing_guarantee=guarantee,
        commit_interval=0.01,
        **settings,
    )
    src, dst = topics(app)
    await app.start()

    async def outputs() -> None:
        async for event in src:
            dst.send_soon(value=b"block:" + event.value)
            dst.send_soon(value=b"a:" + event.value)

    worker = asyncio.ensure_future(outputs())
    await asyncio.sleep(0.15)  # the event is done, its outputs queued: commits are tried
    gate.set()
    await until(lambda: committed_offsets(where) == {TP("src", 0): 1}, "the event committed")
    soon = dst._hub.soon_task
    kill(app, worker, *([soon] if soon is not None else []))
    restarted = make_app(where, guarantee, **settings)
    async with restarted:
        await asyncio.sleep(0.05)
    got = await committed_outputs(where)
    if guarantee == "exactly_once":
        assert got == Counter({b"block:0": 1, b"a:0": 1})
    else:
        assert got != Counter({b"block:0": 1, b"a:0": 1})


async def test_a_task_holding_an_event_of_another_topic_does_not_wait_on_itself() -> None:
    """One task takes an event of ``x``, sends, takes one of ``y``, sends, and so on, never
    acking (``get()`` acks a topic's last event only at its next ``get()``): each event it
    holds has sent, so a closed transaction waits for it, while its next send waits for the
    transaction. After ``commit_interval`` the sends are let in, and the task goes on."""
    where = url()
    app = make_app(where, "exactly_once")
    x = app.topic("x", value_type=bytes, value_serializer="raw")
    y = app.topic("y", value_type=bytes, value_serializer="raw")
    _, dst = topics(app)
    producer = MemoryTransport(where).create_producer()
    for name in ("x", "y"):
        await producer.create_topic(name, TopicSettings())

    async def feed() -> None:  # inputs keep coming: later ones are fetched after a close
        for i in range(40):
            for name in ("x", "y"):
                await producer.send(name, None, str(i).encode())
            await asyncio.sleep(0.002)

    async def work() -> None:
        for _ in range(40):
            for topic in (x, y):
                event = await topic.get()
                await asyncio.sleep(0)
                await dst.send(value=event.value)

    async with app:
        feeding = asyncio.ensure_future(feed())
        await within(5.0, work())  # a send that waits on its own task fails here
        await feeding
