"""Back-pressure: a producer at least 100x faster than its consumer (which spends 1 ms per
event) on a channel and on a topic with ``maxsize``: nothing is dropped, and the peak RSS of
the consuming process grows by far less than what was sent (a subprocess each, measured with
``resource.getrusage``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.brokers import Broker, make_app
from tests.reliability.conftest import Record
from tests.reliability.slow_consumer import payload

ROOT = Path(__file__).parents[2]
N = 1000
SIZE = 64 * 1024
"""Bytes per value: N of them is 62.5 MiB, held at once only if nothing pushes back."""
MAXSIZE = 16


def run(*args: object) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.reliability.slow_consumer", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_a_channel_with_maxsize_pushes_back_and_drops_nothing(record: Record) -> None:
    bounded = run("channel", N, SIZE, MAXSIZE)
    unbounded = run("channel", N, SIZE, "none")  # the control: the measure sees buffering
    assert bounded["received"] == list(range(N))
    assert unbounded["received"] == list(range(N))
    total_kib = N * SIZE // 1024
    assert unbounded["growth_kib"] > total_kib // 2, unbounded
    assert bounded["growth_kib"] < total_kib // 8, bounded
    record(
        f"back-pressure: channel maxsize={MAXSIZE}, RSS +{bounded['growth_kib'] / 1024:.1f} MiB"
        f" (unbounded +{unbounded['growth_kib'] / 1024:.1f} MiB)",
        "memory",
        N,
        N,
        0,
        0,
        None,
    )


async def test_a_topic_with_maxsize_pushes_back_and_drops_nothing(
    broker: Broker, name: str, record: Record
) -> None:
    if not broker.url.startswith("kafka://"):
        pytest.skip(f"{broker.name}: memory:// keeps its log in the consumer's process")
    async with make_app(broker, name) as app:
        topic = app.topic(name, value_serializer="raw", internal=True, partitions=3)
        for i in range(N):
            topic.send_soon(value=payload(i, SIZE // 2))
    bounded = run("topic", N, SIZE // 2, MAXSIZE, broker.url, name, f"{name}-group")
    assert bounded["received"] == list(range(N))
    total_kib = N * SIZE // 2 // 1024
    assert bounded["growth_kib"] < total_kib // 2, bounded
    record(
        f"back-pressure: topic maxsize={MAXSIZE}, RSS +{bounded['growth_kib'] / 1024:.1f} MiB"
        f" of {total_kib // 1024} MiB sent",
        broker.name,
        N,
        N,
        0,
        0,
        None,
    )
