"""Broker outage while producing: every ``FutureMessage`` resolves with metadata or fails with
a transport error within the configured timeout (``request_timeout_ms``); none hangs; resolved
+ failed == sent. Apache Kafka is stopped and started again with its data kept, and every
message that resolved is on the topic afterwards. Tansu keeps no data over a restart: there
only the outage and its errors are tested."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiokafka.errors import KafkaError, KafkaTimeoutError

from sdk import App
from sdk.errors import SendError
from sdk.impl.timeouts import within
from sdk.impl.transports.kafka import KafkaSettings, KafkaTransport
from sdk.types import FutureMessage, TopicT
from tests.brokers import TEST_SETTINGS, tansu
from tests.reliability.conftest import Record, SecureKafka

REQUEST_TIMEOUT = 4.0
"""The configured timeout: no future may stay pending longer (plus a margin for retries)."""
MARGIN = 10.0
BEFORE, DURING, AFTER = 1000, 100, 1000
MAX_PROBES, RECOVERY_WITHIN = 20, 20.0
"""After the restart, one send at a time until one resolves: at most so many, so many seconds."""
READ_WITHIN = 15.0
"""Seconds to read back what resolved; what is not read by then is lost."""


def app_on(url: str) -> App:
    settings: KafkaSettings = {**TEST_SETTINGS, "request_timeout_ms": round(REQUEST_TIMEOUT * 1000)}
    return App("outage", broker=KafkaTransport(url, **settings))


@dataclass
class Settled:
    """Sent values by outcome: ``pending`` neither resolved nor failed in time, so is lost."""

    resolved: list[int] = field(default_factory=list[int])
    failed: list[BaseException] = field(default_factory=list[BaseException])
    pending: list[int] = field(default_factory=list[int])

    def __add__(self, other: Settled) -> Settled:
        return Settled(
            self.resolved + other.resolved,
            self.failed + other.failed,
            self.pending + other.pending,
        )


async def settle(futures: list[FutureMessage[Any, int]]) -> Settled:
    """Wait REQUEST_TIMEOUT + MARGIN at most for all of ``futures``, then sort them by outcome.

    Every error counts as a failure, whatever its class: the tests check the classes.
    """
    deadline = time.monotonic() + REQUEST_TIMEOUT + MARGIN
    settled = Settled()
    for fut in futures:
        with contextlib.suppress(TimeoutError):
            await within(max(0.0, deadline - time.monotonic()), _outcome(fut))
        if not fut.done():
            settled.pending.append(fut.message.value)
            continue
        try:
            fut.result()
        except Exception as error:  # noqa: BLE001  # counted: the tests check the classes
            settled.failed.append(error)
        else:
            settled.resolved.append(fut.message.value)
    return settled


async def _outcome(fut: FutureMessage[Any, int]) -> None:
    """Return once ``fut`` resolved or failed: ``settle`` reads which from the future."""
    with contextlib.suppress(Exception):
        await fut


def unexpected(failed: list[BaseException]) -> list[BaseException]:
    """Failures that are not what an outage causes: the SDK's ``SendError`` (naming the topic)
    caused by a retriable Kafka error (the broker or partition leader is away) or by
    ``KafkaTimeoutError`` (``request_timeout_ms`` ran out)."""
    return [e for e in failed if not (isinstance(e, SendError) and _outage(e.__cause__))]


def _kind(e: BaseException) -> str:
    """``SendError(LeaderNotAvailableError)``: the SDK's error and the client's under it."""
    cause = e.__cause__
    return type(e).__name__ + (f"({type(cause).__name__})" if cause is not None else "")


def _outage(e: BaseException | None) -> bool:
    return isinstance(e, KafkaError) and (e.retriable or isinstance(e, KafkaTimeoutError))


async def send_all(
    topic: TopicT[Any, int], values: range, pause: float = 0.0
) -> list[FutureMessage[Any, int]]:
    """``send_soon`` each value (pausing between, to spread them over an outage)."""
    futures: list[FutureMessage[Any, int]] = []
    for value in values:
        futures.append(topic.send_soon(value=value))
        if pause:
            await asyncio.sleep(pause)
    return futures


async def read_back(url: str, name: str, wanted: set[int], most: int) -> set[int]:
    """The values read from the topic, until all of ``wanted`` were or ``most`` reads or
    READ_WITHIN seconds passed: what is missing then is lost."""
    landed: set[int] = set()
    deadline = time.monotonic() + READ_WITHIN
    async with App(f"{name}-check", broker=KafkaTransport(url, **TEST_SETTINGS)) as app:
        check = app.topic(name, value_type=int)
        for _ in range(most):
            left = deadline - time.monotonic()
            if wanted <= landed or left <= 0:
                break
            try:
                landed.add((await check.get(timeout=left)).value)
            except TimeoutError:
                break
    return landed


async def test_apache_kafka_stopped_and_restarted_while_producing(
    secure_kafka: SecureKafka, name: str, record: Record
) -> None:
    node = secure_kafka.node
    url = node.broker.url  # its PLAINTEXT listener
    async with app_on(url) as app:
        topic = app.topic(name, value_type=int, internal=True, partitions=2)
        await topic.declare()
        futures = await send_all(topic, range(BEFORE))
        before = await settle(futures)
        assert len(before.resolved) == BEFORE, f"the broker is up, yet {before}"
        stopping = asyncio.ensure_future(asyncio.to_thread(node.stop))
        try:
            futures += await send_all(topic, range(BEFORE, BEFORE + DURING), pause=0.02)
        finally:
            await stopping
            await asyncio.to_thread(node.start)  # up again for the tests that share it
        restarted = time.monotonic()
        probes: list[FutureMessage[Any, int]] = []
        while len(probes) < MAX_PROBES and time.monotonic() - restarted < RECOVERY_WITHIN:
            probes.append(await topic.send(value=-len(probes) - 1))
            if (await settle(probes[-1:])).resolved:  # a send succeeds again
                break
        else:
            failed = (await settle(probes)).failed
            pytest.fail(
                f"no send resolved after the restart: {len(probes)} probes in"
                f" {time.monotonic() - restarted:.1f} s (bounds {MAX_PROBES}, {RECOVERY_WITHIN} s),"
                f" errors {sorted({_kind(e) for e in failed})}"
            )
        recovered = time.monotonic() - restarted
        futures += probes
        futures += await send_all(topic, range(BEFORE + DURING, BEFORE + DURING + AFTER))
        outcome = await settle(futures)
    sent = BEFORE + DURING + len(probes) + AFTER
    resolved = set(outcome.resolved)
    landed = await read_back(url, name, resolved, most=2 * sent)
    unread = resolved - landed
    lost = len(outcome.pending) + len(unread)
    record(
        f"Apache Kafka stopped and restarted while producing ({len(outcome.failed)} failed in"
        f" time: {', '.join(sorted({_kind(e) for e in outcome.failed}))})",
        "kafka",
        sent,
        len(outcome.resolved),
        0,
        lost,
        round(recovered, 2),
    )
    assert len(outcome.resolved) + len(outcome.failed) + len(outcome.pending) == sent
    assert lost == 0, (
        f"{lost} of {sent} lost: {len(outcome.pending)} neither resolved nor failed within"
        f" {REQUEST_TIMEOUT + MARGIN} s (e.g. {outcome.pending[:5]}), {len(unread)} of"
        f" {len(resolved)} resolved not on the topic (e.g. {sorted(unread)[:5]})"
    )
    assert set(range(BEFORE + DURING, BEFORE + DURING + AFTER)) <= resolved
    assert not unexpected(outcome.failed), unexpected(outcome.failed)[:5]


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
    finally:
        if not stopped:
            context.__exit__(None, None, None)
    outcome = before + during
    lost = len(outcome.pending)
    record(
        f"Tansu stopped while producing ({len(outcome.failed)} failed in time:"
        f" {', '.join(sorted({_kind(e) for e in outcome.failed}))})",
        "tansu",
        BEFORE + DURING,
        len(outcome.resolved),
        0,
        lost,
        None,
    )
    assert lost == 0, (
        f"{lost} of {BEFORE + DURING} neither resolved nor failed within"
        f" {REQUEST_TIMEOUT + MARGIN} s of their send: {outcome.pending[:10]}"
    )
    assert len(outcome.resolved) + len(outcome.failed) == BEFORE + DURING
    assert set(range(BEFORE)) <= set(before.resolved), f"the broker was up, yet {before}"
    assert len(outcome.failed) >= 1, "sends to a stopped broker cannot all succeed"
    assert not unexpected(outcome.failed), unexpected(outcome.failed)[:5]
