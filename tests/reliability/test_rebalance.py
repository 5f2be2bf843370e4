"""Rebalance, no kill: a second member of the app joins mid-stream and later leaves, while both
consume, transform and produce (``async for event in src: await dst.send(...)``).

What a revoked partition's events a member held in its buffers must not be processed by it any
more: the new owner reads them again from the commit. So the only events done twice are those
in the user's hands at a revoke: the one a subscriber was processing (with ``async for`` it is
acked only on moving on, so it is not committed), one per subscriber per revoke, plus the one in
hand when the second member breaks out of its loop to leave. Nothing is lost.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from sdk.impl.timeouts import within
from tests.brokers import Broker, make_app
from tests.reliability.conftest import Record
from tests.reliability.rebalance_app import LoggedMemory, run

ROOT = Path(__file__).parents[2]
APP = "tests.reliability.rebalance_app"
N = 10_000
PARTITIONS = 4
JOIN_AT = 2_000
"""Events the first member has processed when the second one starts."""
LEAVE_AFTER = 1_500
"""Events the second member processes before it leaves."""
DEADLINE = 40.0


class Member(Protocol):
    def lines(self) -> list[str]: ...
    def exited(self) -> bool: ...
    async def leave(self) -> None: ...


class Process:
    """A member in a process of its own, as users run them (Kafka and Tansu)."""

    def __init__(self, broker: Broker, src: str, dst: str, group: str, out: Path, *rest: str):
        self.out = out
        self.err = out.with_suffix(".err")
        with open(self.err, "wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", APP, broker.url, src, dst, group, str(out), *rest],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env={**os.environ, "PYTHONWARNINGS": "error"},
            )

    def lines(self) -> list[str]:
        return self.out.read_text().splitlines() if self.out.exists() else []

    def exited(self) -> bool:
        return self.process.poll() is not None

    async def leave(self) -> None:
        if not self.exited():
            self.process.send_signal(signal.SIGTERM)  # a graceful stop: the app leaves the group
        await until("the member stopped", self.exited)
        self.check()

    def check(self) -> None:
        assert self.process.returncode == 0, self.err.read_text()[-3000:]

    def kill(self) -> None:
        """Only if the test failed with the process still running: nothing outlives a test."""
        if not self.exited():
            self.process.kill()
            self.process.wait(10)


class Task:
    """A member in this process: memory:// groups exist only here."""

    def __init__(self, broker: Broker, src: str, dst: str, group: str, *rest: str):
        self.log: list[str] = []
        self.stop = asyncio.Event()
        transport = LoggedMemory(broker.url, self.log.append)
        leave_after = int(rest[0]) if rest else None
        self.task = asyncio.ensure_future(
            run(transport, src, dst, group, self.log.append, leave_after, self.stop)
        )

    def lines(self) -> list[str]:
        return self.log

    def exited(self) -> bool:
        return self.task.done()

    async def leave(self) -> None:
        self.stop.set()
        await self.task

    def kill(self) -> None:
        self.task.cancel()


async def until(condition: str, check: Callable[[], object], *members: Member) -> None:
    deadline = time.monotonic() + DEADLINE
    while not check():
        for member in members:
            if member.exited():
                raise AssertionError(f"a member exited before {condition}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not {condition} within {DEADLINE} s")
        await asyncio.sleep(0.05)  # parsing the logs is work the members wait for


def processed(member: Member) -> list[tuple[int, int]]:
    lines = [line.split() for line in member.lines() if line[:1].isdigit()]
    return [(int(p), int(o)) for p, o in lines]


def revokes(member: Member) -> int:
    return sum(line.startswith("revoked") for line in member.lines())


async def test_a_member_joining_then_leaving_redoes_only_what_was_in_hand(
    broker: Broker, name: str, tmp_path: Path, record: Record
) -> None:
    src, dst, group = name, f"{name}-out", f"{name}-group"
    async with make_app(broker, name) as app:
        source = app.topic(src, key_type=str, value_type=int, internal=True, partitions=PARTITIONS)
        target = app.topic(dst, key_type=str, value_type=int, internal=True, partitions=PARTITIONS)
        await target.maybe_declare()  # before the members send to it (Tansu would make it)
        futures = [source.send_soon(key=str(i), value=i) for i in range(N)]
        sent = {((m := await f).partition, m.offset) for f in futures}
    assert len(sent) == N
    assert {p for p, _ in sent} == set(range(PARTITIONS))

    def member(out: str, *rest: str) -> Process | Task:
        if broker.url.startswith("memory://"):
            return Task(broker, src, dst, group, *rest)
        return Process(broker, src, dst, group, tmp_path / out, *rest)

    first = member("first")
    second: Process | Task | None = None
    try:
        await until(f"{JOIN_AT} processed", lambda: len(processed(first)) >= JOIN_AT, first)
        second = member("second", str(LEAVE_AFTER))
        await until("the second member left", second.exited, first)
        await second.leave()
        assert len(processed(second)) == LEAVE_AFTER
        done = {*processed(first), *processed(second)}
        assert len(done) < N, "the first member finished before the second one left"
        await until("every message processed", lambda: sent <= {*processed(first), *done}, first)
        await first.leave()
    finally:
        for started in (first, second):
            if started is not None:
                started.kill()
    inputs = [*processed(first), *processed(second)]
    assert set(inputs) == sent
    outputs = await read(broker, name, dst, len(inputs))
    expected = {2 * i for i in range(N)}
    assert set(outputs) <= expected
    duplicated = sum(outputs.values()) - len(outputs)
    lost = len(expected - set(outputs))
    # in hand at a revoke: one event per subscriber (each member has one) per revoke it saw,
    # and the one the second member held when it broke out of its loop to leave
    in_hand = revokes(first) + revokes(second) + 1
    record(
        f"member joins mid-stream, later leaves, no kill ({in_hand - 1} revokes)",
        broker.name,
        N,
        len(outputs),
        duplicated,
        lost,
        None,
    )
    assert lost == 0
    assert duplicated <= in_hand, (
        f"{duplicated} duplicates of {N}, but only {in_hand} events were in hand at the "
        f"{in_hand - 1} revokes (first {len(processed(first))}, second {len(processed(second))})"
    )


async def read(broker: Broker, name: str, dst: str, count: int) -> Counter[int]:
    """The values in ``dst``: exactly ``count`` (what the members logged as sent), read back."""
    async with make_app(broker, f"{name}-check") as app:
        topic = app.topic(dst, key_type=str, value_type=int)
        values: Counter[int] = Counter()
        for _ in range(count):
            event = await within(DEADLINE, topic.get())
            values[event.value] += 1
        return values
