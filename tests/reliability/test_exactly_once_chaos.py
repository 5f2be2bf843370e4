"""Exactly-once on Apache Kafka, proven by killing: a consume-transform-produce app over 10,000
inputs on 4 partitions is SIGKILLed at random moments and restarted, and a second process of
the app joins and leaves mid-stream. A ``read_committed`` reader of the output then holds every
input exactly once. The same scenario under ``at_least_once`` must show duplicates, or the test
could not see them.

Each kill leaves the killed process's transaction open; the broker aborts it after the app's
transaction timeout (3 s here), and until then ``read_committed`` readers of the partitions it
wrote wait. The row's recovery is that: from a kill to the reader reading on.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from sdk.impl.transports.kafka import KafkaTransport
from sdk.types import ProcessingGuarantee
from tests.brokers import TEST_SETTINGS, Broker, make_app
from tests.conftest import pick_broker
from tests.reliability.conftest import Record

ROOT = Path(__file__).parents[2]
APP = "tests.reliability.eos_app"
N = 10_000
PARTITIONS = 4
KILLS = 3
DEADLINE = 150.0
"""Seconds any step may take (each kill costs a session timeout and a transaction timeout)."""


@pytest.fixture
def kafka(request: pytest.FixtureRequest) -> Broker:
    return pick_broker(request, "kafka")  # transactions: Apache Kafka only (Tansu has none)


class Member:
    """A process of the app, as users run them."""

    def __init__(self, broker: Broker, src: str, dst: str, guarantee: str, out: Path) -> None:
        self.out = out
        self.err = out.with_suffix(".err")
        with open(self.err, "ab") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", APP, broker.url, src, dst, guarantee, str(out)],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env={**os.environ, "PYTHONWARNINGS": "error"},
            )

    def lines(self) -> list[str]:
        return self.out.read_text().splitlines() if self.out.exists() else []

    def processed(self) -> int:
        return sum(not line.startswith("#") for line in self.lines())

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait(10)

    async def leave(self) -> None:
        await until("a member ready to leave", lambda: self.lines() or not self.alive(), 30.0)
        self.process.send_signal(signal.SIGTERM)
        await until("a member left", lambda: not self.alive(), 30.0)
        assert self.process.returncode == 0, self.err.read_text()[-3000:]


class Reader:
    """A ``read_committed`` reader of the output, counting what it reads, and when."""

    def __init__(self, broker: Broker, dst: str) -> None:
        self.transport = KafkaTransport(broker.url, **TEST_SETTINGS)
        self.dst = dst
        self.values: Counter[int] = Counter()
        """How many records of the output hold each value."""
        self.records: dict[tuple[int, int], int] = {}
        self.origins: dict[int, list[str]] = {}
        """Per value, each record of it: the process, input partition and offset it came from."""
        self.last_read = time.monotonic()
        self.task = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        consumer = self.transport.create_consumer(
            f"{self.dst}-reader", isolation_level="read_committed"
        )
        await consumer.start()
        try:
            consumer.subscribe([self.dst])
            while True:
                for messages in (await consumer.getmany(timeout=0.1)).values():
                    for m in messages:  # a record read again (a rebalance of its own) is one
                        if (m.partition, m.offset) not in self.records:
                            value = int(m.value or b"-1")
                            self.records[m.partition, m.offset] = value
                            self.values[value] += 1
                            self.origins.setdefault(value, []).append(
                                f"{(m.key or b'').decode()} -> {m.partition}@{m.offset}"
                            )
                    self.last_read = time.monotonic()
        finally:
            await consumer.stop()

    async def reading_on_after(self, moment: float) -> float:
        """Seconds from ``moment`` until the reader read something after it."""
        await until("the reader read on", lambda: self.last_read > moment, DEADLINE)
        return self.last_read - moment

    async def close(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def until(what: str, check: Callable[[], object], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not {what} within {seconds} s")
        await asyncio.sleep(0.05)


@pytest.mark.slow  # a minute of kills and restarts, with what CI runs of make test-slow
@pytest.mark.timeout(DEADLINE + 30)  # its own steps are bounded by DEADLINE
@pytest.mark.parametrize("guarantee", ["exactly_once", "at_least_once"])
async def test_kills_and_a_rebalance_leave_every_output_exactly_once(
    kafka: Broker, name: str, tmp_path: Path, record: Record, guarantee: ProcessingGuarantee
) -> None:
    src, dst = name, f"{name}-out"
    async with make_app(kafka, name) as app:
        source = app.topic(src, key_type=str, value_type=int, internal=True, partitions=PARTITIONS)
        target = app.topic(dst, key_type=str, value_type=int, internal=True, partitions=PARTITIONS)
        await target.maybe_declare()
        futures = [source.send_soon(key=str(i), value=i) for i in range(N)]
        for future in futures:
            await future
    rng = random.Random(name)  # a failure names its seed: the topic name in the test's id
    marks = rng.sample(range(N // 10, N * 7 // 10), KILLS + 2)  # how many done, at each
    kill_at, (join_at, leave_at) = marks[:KILLS], sorted(marks[KILLS:])
    members: list[Member] = []
    runs = 0

    def start() -> Member:
        nonlocal runs
        runs += 1
        member = Member(kafka, src, dst, guarantee, tmp_path / f"run-{runs}")
        members.append(member)
        return member

    def done() -> int:
        return sum(member.processed() for member in members)

    reader = Reader(kafka, dst)
    recoveries: list[float] = []
    started = time.monotonic()
    try:
        first = start()
        second: Member | None = None
        for mark in sorted([*kill_at, join_at, leave_at]):
            await until(f"{mark} processed", lambda mark=mark: done() >= mark, DEADLINE)
            if mark == join_at:
                second = start()
            elif mark == leave_at and second is not None:
                await second.leave()
                second = None
            else:
                first.kill()
                killed = time.monotonic()
                first = start()
                recoveries.append(await reader.reading_on_after(killed))
        if second is not None:
            await second.leave()
        await until(f"{N} distinct outputs read", lambda: len(reader.values) >= N, DEADLINE)
        await first.leave()
        await asyncio.sleep(1.0)  # what a last commit made visible, read too
    finally:
        for member in members:
            member.kill()
        await reader.close()
    took = time.monotonic() - started
    duplicated = sum(reader.values.values()) - len(reader.values)
    lost = N - len(set(reader.values) & set(range(N)))
    recover = max(recoveries)
    record(
        f"{guarantee}: {KILLS} SIGKILLs at random, a member joins and leaves ({took:.0f} s)",
        kafka.name,
        N,
        len(reader.values),
        duplicated,
        lost,
        round(recover, 1),
    )
    print(f"{guarantee}: recoveries {[round(r, 1) for r in recoveries]} s, {duplicated} dup")
    assert lost == 0
    if guarantee == "exactly_once":
        twice = [f"{v}: {reader.origins[v]}" for v, n in reader.values.items() if n > 1]
        assert duplicated == 0, (
            f"{duplicated} outputs read twice by read_committed; the first (pid, input "
            f"partition and offset -> output partition@offset): {twice[:5]}; the runs' logs "
            f"are in {tmp_path}"
        )
    else:
        assert duplicated > 0, "at_least_once made no duplicate: the kills could not be seen"
