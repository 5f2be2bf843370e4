"""Consumer crash: a consumer process is SIGKILLed in the middle of N messages over several
partitions; a new process with the same app id finishes. Every message is processed at least
once, and a message is processed twice only if it was at or after its partition's last
committed offset when the first process died."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sdk.impl.transports.kafka import KafkaTransport
from sdk.types import TP
from tests.brokers import Broker, make_app
from tests.reliability.conftest import Record

ROOT = Path(__file__).parents[2]
N = 10_000
PARTITIONS = 4
KILL_AFTER = 3_000
"""Messages the first process has processed when it is killed."""
DEADLINE = 30.0


def processed(path: Path) -> list[tuple[int, int]]:
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    return [(int(p), int(o)) for p, o in (line.split() for line in lines if line.count(" ") == 1)]


async def wait_for(
    condition: str, check: Callable[[], object], process: subprocess.Popen[bytes]
) -> None:
    deadline = time.monotonic() + DEADLINE
    while not check():
        if process.poll() is not None:
            raise AssertionError(f"the consumer exited ({process.returncode}) before {condition}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not {condition} within {DEADLINE} s")
        await asyncio.sleep(0.005)


def spawn(broker: Broker, name: str, group: str, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.reliability.crash_consumer",
            broker.url,
            name,
            group,
            str(out),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )


async def test_a_killed_consumer_loses_nothing(
    broker: Broker, name: str, tmp_path: Path, record: Record
) -> None:
    if not broker.url.startswith("kafka://"):
        pytest.skip(f"{broker.name}: two processes share only a real broker")
    async with make_app(broker, name) as app:
        topic = app.topic(name, key_type=str, value_type=int, internal=True, partitions=PARTITIONS)
        futures = [topic.send_soon(key=str(i), value=i) for i in range(N)]
        sent = {((m := await f).partition, m.offset) for f in futures}
    assert len(sent) == N
    assert {p for p, _ in sent} == set(range(PARTITIONS))
    group = f"{name}-group"
    first_out, second_out = tmp_path / "first", tmp_path / "second"
    first = spawn(broker, name, group, first_out)
    try:
        await wait_for(
            f"{KILL_AFTER} processed", lambda: len(processed(first_out)) >= KILL_AFTER, first
        )
        first.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        first.wait(10)
    finally:
        first.kill()
    before = processed(first_out)
    assert len(set(before)) < N, "the first process finished before it was killed"

    committed = await committed_offsets(broker, name, group)
    second = spawn(broker, name, group, second_out)
    try:
        await wait_for("a message processed after the crash", lambda: processed(second_out), second)
        recovered = time.monotonic() - killed_at
        await wait_for(
            "every message processed",
            lambda: set(before) | set(processed(second_out)) >= sent,
            second,
        )
    finally:
        second.kill()
        second.wait(10)
    after = processed(second_out)
    assert set(before) | set(after) == sent  # every message at least once
    twice = set(before) & set(after)
    assert all(offset >= committed[p] for p, offset in twice), "redone before the last commit"
    first_after = {p: min(o for q, o in after if q == p) for p in {q for q, _ in after}}
    assert all(first_after[p] == committed[p] for p in first_after)  # resumes at the commit
    record(
        "consumer SIGKILL mid-stream, new process",
        broker.name,
        N,
        len(set(before) | set(after)),
        len(twice),
        N - len(set(before) | set(after)),
        round(recovered, 2),
    )


async def committed_offsets(broker: Broker, name: str, group: str) -> dict[int, int]:
    """The group's committed offset per partition (0 where none was committed)."""
    consumer = KafkaTransport(broker.url).create_consumer(group)
    await consumer.start()
    try:
        return {p: await consumer.committed(TP(name, p)) or 0 for p in range(PARTITIONS)}
    finally:
        await consumer.stop()
