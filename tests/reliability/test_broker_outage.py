"""Broker outage while producing: every ``FutureMessage`` resolves with metadata or fails with
a transport error within the configured timeout (``request_timeout_ms``); none hangs; resolved
+ failed == sent. Apache Kafka is stopped and started again with its data kept, and every
message that resolved is on the topic afterwards. Tansu keeps no data over a restart: there
only the outage and its errors are tested."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from aiokafka.errors import KafkaError

from sdk import App
from sdk.impl.timeouts import within
from sdk.impl.transports.kafka import KafkaTransport
from sdk.types import FutureMessage
from tests.brokers import TEST_SETTINGS, tansu
from tests.reliability.conftest import Record, SecureKafka

REQUEST_TIMEOUT = 4.0
"""The configured timeout: no future may stay pending longer (plus a margin for retries)."""
MARGIN = 10.0
BEFORE, DURING, AFTER = 1000, 100, 1000


def app_on(url: str) -> App:
    timeout = round(REQUEST_TIMEOUT * 1000)
    return App("outage", broker=KafkaTransport(url, request_timeout_ms=timeout, **TEST_SETTINGS))


async def settle(futures: list[FutureMessage[Any, int]]) -> tuple[list[int], list[BaseException]]:
    """Each future's value once resolved, or its error; a future still pending fails the test."""
    resolved: list[int] = []
    failed: list[BaseException] = []
    for fut in futures:
        try:
            await within(REQUEST_TIMEOUT + MARGIN, _wait(fut))
            resolved.append(fut.message.value)
        except KafkaError as error:
            failed.append(error)
    return resolved, failed


async def _wait(fut: FutureMessage[Any, int]) -> None:
    await fut


async def send_all(topic: Any, values: range, pause: float = 0.0) -> list[FutureMessage[Any, int]]:
    """``send_soon`` each value (pausing between, to spread them over an outage)."""
    futures = []
    for value in values:
        futures.append(topic.send_soon(value=value))
        if pause:
            await asyncio.sleep(pause)
    return futures


async def test_apache_kafka_stopped_and_restarted_while_producing(
    secure_kafka: SecureKafka, name: str, record: Record
) -> None:
    node = secure_kafka.node
    url = node.broker.url  # its PLAINTEXT listener
    async with app_on(url) as app:
        topic = app.topic(name, value_type=int, internal=True, partitions=2)
        await topic.declare()
        futures = await send_all(topic, range(BEFORE))
        assert len((await settle(futures))[0]) == BEFORE  # the broker is up: all resolve
        stopping = asyncio.ensure_future(asyncio.to_thread(node.stop))
        try:
            futures += await send_all(topic, range(BEFORE, BEFORE + DURING), pause=0.02)
        finally:
            await stopping
            await asyncio.to_thread(node.start)  # up again for the tests that share it
        restarted = time.monotonic()
        probes: list[FutureMessage[Any, int]] = []
        while not (await settle(probes[-1:]))[0]:  # until a send succeeds again
            probes.append(await topic.send(value=-len(probes) - 1))
        recovered = time.monotonic() - restarted
        futures += probes
        futures += await send_all(topic, range(BEFORE + DURING, BEFORE + DURING + AFTER))
        resolved, failed = await settle(futures)
    sent = BEFORE + DURING + len(probes) + AFTER
    assert len(resolved) + len(failed) == sent
    assert set(range(BEFORE + DURING, BEFORE + DURING + AFTER)) <= set(resolved)
    assert all(isinstance(e, KafkaError) for e in failed)
    async with App(f"{name}-check", broker=KafkaTransport(url, **TEST_SETTINGS)) as app:
        check = app.topic(name, value_type=int)
        landed: set[int] = set()
        while not set(resolved) <= landed:
            landed.add((await check.get(timeout=15)).value)
    lost = len(set(resolved) - landed)
    assert lost == 0
    record(
        f"Apache Kafka stopped and restarted while producing ({len(failed)} failed in time:"
        f" {', '.join(sorted({type(e).__name__ for e in failed}))})",
        "kafka",
        sent,
        len(resolved),
        0,
        lost,
        round(recovered, 2),
    )


async def test_tansu_outage_fails_every_send_in_time(name: str, record: Record) -> None:
    try:
        context = tansu()
        broker = context.__enter__()
    except (ImportError, RuntimeError, OSError) as exc:
        pytest.skip(f"tansu: {exc}")
    stopped = False
    try:
        async with app_on(broker.url) as app:
            topic = app.topic(name, value_type=int, internal=True, partitions=2)
            await topic.declare()
            before = await settle(await send_all(topic, range(BEFORE)))
            context.__exit__(None, None, None)
            stopped = True
            during = await settle(await send_all(topic, range(BEFORE, BEFORE + DURING), 0.01))
            resolved, failed = before[0] + during[0], before[1] + during[1]
    finally:
        if not stopped:
            context.__exit__(None, None, None)
    assert len(resolved) + len(failed) == BEFORE + DURING
    assert set(range(BEFORE)) <= set(resolved)
    assert len(failed) >= 1, "sends to a stopped broker cannot all succeed"
    assert all(isinstance(e, KafkaError) for e in failed)
    record(
        f"Tansu stopped while producing ({len(failed)} failed in time:"
        f" {', '.join(sorted({type(e).__name__ for e in failed}))})",
        "tansu",
        BEFORE + DURING,
        len(resolved),
        0,
        0,
        None,
    )
