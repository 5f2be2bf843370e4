"""``python -m sdk.testing URL``: run the transport contract on a URL and print a table.

One row per clause: its name, the capability it needs, and pass, fail or skip. A failure is
the clause's own error, then the input it failed on (for the state machine, its steps), every
line wrapped under the row, never cut; one that did not repeat is flagged intermittent.
Exits 1 if any clause fails, so it can gate a CI job without pytest; exits 2, with one line
saying why, if the transport cannot be tested at all (an unknown scheme, a bad URL, a broker
that cannot be reached).

On a broker most of a clause's time is waiting for its group joins (Apache Kafka holds the
first join of a group 3 s by default), so on ``kafka://`` several clauses run at once, each in
a thread of its own with its own topics and groups; the rows still come in the kit's order.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import logging
import sys
import textwrap
import time
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Final, get_args

from sdk.errors import SDKError
from sdk.impl.transports import transport_for
from sdk.types import TransportT

if TYPE_CHECKING:
    from sdk.impl.transports.kafka import KafkaSettings, KafkaTransport

from .clauses import Clause
from .contracts import TRANSPORT_CLAUSES
from .errors import Undeclared, notes
from .machine import STATE_MACHINE
from .profiles import Profile
from .sessions import PATIENCE, POLL, consuming, fresh_name, producing, run

KAFKA_KIT_SETTINGS: Final[KafkaSettings] = {
    "heartbeat_interval_ms": 500,
    "metadata_max_age_ms": 500,
    "fetch_max_wait_ms": 20,
}
"""What the kit sets on a ``kafka://`` transport for its own short-lived test groups, where the
URL leaves it unset: a pattern sees a new topic within half a second, not five minutes; a fetch
answers in 20 ms. And the shortest of ``SESSION_TIMEOUTS`` the broker takes."""
SESSION_TIMEOUTS: Final = (2000, 6000)
"""Session timeouts (ms) the kit tries for its own groups, the shortest first: Tansu holds a
join for half the session (1 s at 2 s, 3 s at 6 s); 6 s is the shortest Apache Kafka accepts
by default (``group.min.session.timeout.ms``), and it refuses a shorter one at the join."""
KAFKA_JOBS: Final = 6
"""Clauses run at once on ``kafka://``: their waits overlap, and the longest, the state machine,
is about as long as the rest together on a broker with default settings."""
WIDTH: Final = 100
"""Columns a failure's detail is wrapped to; a word longer than that is kept whole."""
Outcome = tuple[str, str, float]
"""A clause's result (pass, fail or skip), its detail, and its seconds."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sdk.testing", description=__doc__)
    parser.add_argument("url", help="the transport's URL, e.g. memory:// or kafka://host:9092")
    parser.add_argument("--profile", choices=get_args(Profile), default="quick")
    parser.add_argument(
        "--jobs",
        type=int,
        help=f"clauses run at once, each in a thread (default: {KAFKA_JOBS} on kafka://, else "
        "1; more only for a transport whose clients may run in several threads at once)",
    )
    args = parser.parse_args(argv)
    profile: Profile = args.profile
    try:
        transport = transport_for(args.url)
    except Exception as exc:  # noqa: BLE001 - nothing can be tested: say why in one line
        return _error(parser, _one_line(exc))
    try:
        run(_reach(transport))
        transport, tuned = for_the_kit(transport)
    except Exception as exc:  # noqa: BLE001 - as above: a broker that cannot be reached, say
        if isinstance(exc, TimeoutError) and not str(exc):
            bound = 4 * PATIENCE.get()
            return _error(parser, f"a producer of {transport.url} did not start within {bound} s")
        return _error(parser, _one_line(exc))
    jobs: int = args.jobs or (KAFKA_JOBS if _kafka(transport) else 1)
    print(f"TransportContract on {transport.url} ({profile} profile)")
    if tuned:
        print(f"kit settings for its own test groups: {tuned}")
    if jobs > 1:
        print(f"{jobs} clauses at a time, each with its own topics and groups")
    print(f"{'clause':<44} {'capability':<28} {'result':<6} seconds")
    counts = {"pass": 0, "fail": 0, "skip": 0}
    for clause, (result, detail, took) in outcomes(TRANSPORT_CLAUSES, transport, profile, jobs):
        counts[result] += 1
        needs = ", ".join(clause.needs) or "-"
        print(f"{clause.name.partition('.')[2]:<44} {needs:<28} {result:<6} {took:7.2f}")
        for line in wrapped(detail):
            print(line)
    print(", ".join(f"{n} {result}" for result, n in counts.items()))
    return 1 if counts["fail"] else 0


def outcomes(
    clauses: Sequence[Clause], transport: TransportT, profile: Profile, jobs: int
) -> Iterator[tuple[Clause, Outcome]]:
    """Each clause with its outcome, in the order given, each as soon as it and those before
    it are done; ``jobs`` at a time, the longest (the state machine, then the clauses of
    consumer groups) started first."""
    if jobs <= 1:
        for clause in clauses:
            yield clause, _outcome(clause, transport, profile)
        return
    from hypothesis.errors import HypothesisDeprecationWarning

    with warnings.catch_warnings(), ThreadPoolExecutor(jobs, thread_name_prefix="kit") as pool:
        # another thread moves the random module's state while a draw runs in this one
        # (hypothesis resets it around each example, a client picks a broker with it), which
        # hypothesis takes for the strategy's own doing
        warnings.filterwarnings(
            "ignore", "Do not use the `random` module", HypothesisDeprecationWarning
        )
        started: dict[str, Future[Outcome]] = {}
        for clause in sorted(clauses, key=_cost, reverse=True):
            context = contextvars.copy_context()  # the patience set here holds there too
            started[clause.name] = pool.submit(context.run, _outcome, clause, transport, profile)
        try:
            for clause in clauses:
                yield clause, started[clause.name].result()
        finally:
            pool.shutdown(cancel_futures=True)  # interrupted: start no other clause


def _cost(clause: Clause) -> int:
    return 2 if clause is STATE_MACHINE else 1 if "consumer_groups" in clause.needs else 0


def _outcome(clause: Clause, transport: TransportT, profile: Profile) -> Outcome:
    started = time.perf_counter()
    detail = ""
    try:
        clause.run(transport, profile=profile)
        result = "pass"
    except Undeclared as undeclared:
        result, detail = "skip", f"{undeclared.capability} not declared"
    except Exception as exc:  # noqa: BLE001 - whatever a clause raises is its failure
        result, detail = "fail", "\n".join([f"{type(exc).__name__}: {exc}", *notes(exc)])
    return result, detail, time.perf_counter() - started


def _kafka(transport: TransportT) -> KafkaTransport | None:
    """``transport`` if it is the SDK's ``kafka://`` (imported only then: aiokafka is an extra)."""
    if not transport.url.startswith("kafka://"):
        return None
    from sdk.impl.transports.kafka import KafkaTransport

    return transport if isinstance(transport, KafkaTransport) else None


def for_the_kit(transport: TransportT) -> tuple[TransportT, str]:
    """``transport`` with what the kit needs for its own test groups, and what that was.

    A ``kafka://`` transport gets ``KAFKA_KIT_SETTINGS`` where its URL leaves them unset (a
    user's broker has default settings, under which the kit would wait minutes), and, unless
    its URL sets one, the shortest of ``SESSION_TIMEOUTS`` the broker takes (asked by joining
    a group of the kit's); any other transport is run as it is.
    """
    kafka = _kafka(transport)
    if kafka is None:
        return transport, ""
    derived, applied = kafka.with_defaults(**KAFKA_KIT_SETTINGS)
    longest = SESSION_TIMEOUTS[-1]
    if "session_timeout_ms" in derived.with_defaults(session_timeout_ms=longest)[1]:
        ms = next((ms for ms in SESSION_TIMEOUTS[:-1] if _takes(derived, ms)), longest)
        derived, session = derived.with_defaults(session_timeout_ms=ms)
        applied = {**session, **applied}
    return derived, " ".join(f"{name}={value}" for name, value in applied.items())


def _takes(transport: KafkaTransport, ms: int) -> bool:
    """Whether the broker lets a member of a group of the kit's join with a session of ``ms``."""
    quiet = _Refusal()
    logger = logging.getLogger("aiokafka.consumer.group_coordinator")
    logger.addFilter(quiet)  # aiokafka logs the refusal as an error; here it is an answer
    try:
        return run(_joins(transport.with_defaults(session_timeout_ms=ms)[0]))
    finally:
        logger.removeFilter(quiet)


async def _joins(transport: TransportT) -> bool:
    """Join a fresh group on a fresh topic: ``False`` if the broker refuses the session."""
    from aiokafka.errors import InvalidSessionTimeoutError

    from sdk.errors import FetchError

    topic = fresh_name("session")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE.get()
    async with producing(transport, topic), consuming(transport, [topic]) as consumer:
        while not consumer.assignment():
            if loop.time() > deadline:
                raise TimeoutError(
                    f"a member of a group of the kit's on {transport.url} was given no "
                    f"partition within {PATIENCE.get()} s"
                )
            try:
                await consumer.getmany(timeout=POLL)
            except FetchError as exc:
                if isinstance(exc.__cause__, InvalidSessionTimeoutError):
                    return False
                raise
    return True


class _Refusal(logging.Filter):
    """Leaves out aiokafka's error log of a session timeout the broker refused."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "InvalidSessionTimeout" not in record.getMessage()


async def _reach(transport: TransportT) -> None:
    """Start and stop a producer: a broker that cannot be reached is one error, not a table of
    failed clauses."""
    producer = transport.create_producer()
    try:
        await producer.start()
    finally:
        await producer.stop()


def wrapped(detail: str) -> list[str]:
    """Every line of ``detail``, wrapped to ``WIDTH`` and indented under its row; never cut."""
    lines: list[str] = []
    for line in detail.splitlines():
        lines += textwrap.wrap(
            line,
            WIDTH,
            initial_indent="    ",
            subsequent_indent="      ",
            break_long_words=False,
            break_on_hyphens=False,
        )
    return lines


def _error(parser: argparse.ArgumentParser, text: str) -> int:
    """One line on stderr, as argparse says a usage error (without the usage): exit status 2."""
    print(f"{parser.prog}: error: {text}", file=sys.stderr)
    return 2


def _one_line(exc: BaseException) -> str:
    """The error's own words on one line; the type too where it is not the SDK's."""
    text = " ".join(str(exc).split())
    if text and isinstance(exc, (SDKError, ValueError)):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
