"""``python -m sdk.testing URL``: run the transport contract on a URL and print a table.

One row per clause: its name, the capability it needs, and pass, fail or skip. A failure is
the clause's own error, then the input it failed on (for the state machine, its steps), every
line wrapped under the row, never cut; one that did not repeat is flagged intermittent.
Exits 1 if any clause fails, so it can gate a CI job without pytest; exits 2, with one line
saying why, if the transport cannot be tested at all (an unknown scheme, a bad URL, a broker
that cannot be reached).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from typing import TYPE_CHECKING, Final, get_args

from sdk.errors import SDKError
from sdk.impl.transports import transport_for
from sdk.types import TransportT

if TYPE_CHECKING:
    from sdk.impl.transports.kafka import KafkaSettings

from .contracts import TRANSPORT_CLAUSES
from .errors import Undeclared, notes
from .profiles import Profile
from .sessions import PATIENCE, run

KAFKA_KIT_SETTINGS: Final[KafkaSettings] = {
    "session_timeout_ms": 6000,
    "heartbeat_interval_ms": 500,
    "metadata_max_age_ms": 500,
    "fetch_max_wait_ms": 20,
}
"""What the kit sets on a ``kafka://`` transport for its own short-lived test groups, where the
URL leaves it unset: a pattern sees a new topic within half a second, not five minutes; a fetch
answers in 20 ms; 6 s is the shortest session a broker with default settings accepts."""
WIDTH: Final = 100
"""Columns a failure's detail is wrapped to; a word longer than that is kept whole."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sdk.testing", description=__doc__)
    parser.add_argument("url", help="the transport's URL, e.g. memory:// or kafka://host:9092")
    parser.add_argument("--profile", choices=get_args(Profile), default="quick")
    args = parser.parse_args(argv)
    profile: Profile = args.profile
    try:
        transport = transport_for(args.url)
    except Exception as exc:  # noqa: BLE001 - nothing can be tested: say why in one line
        return _error(parser, _one_line(exc))
    try:
        run(_reach(transport))
    except Exception as exc:  # noqa: BLE001 - as above: a broker that cannot be reached, say
        if isinstance(exc, TimeoutError):
            bound = 4 * PATIENCE.get()
            return _error(parser, f"a producer of {transport.url} did not start within {bound} s")
        return _error(parser, _one_line(exc))
    transport, tuned = for_the_kit(transport)
    print(f"TransportContract on {transport.url} ({profile} profile)")
    if tuned:
        print(f"kit settings for its own test groups: {tuned}")
    print(f"{'clause':<44} {'capability':<28} {'result':<6} seconds")
    counts = {"pass": 0, "fail": 0, "skip": 0}
    for clause in TRANSPORT_CLAUSES:
        started = time.perf_counter()
        detail = ""
        try:
            clause.run(transport, profile=profile)
            result = "pass"
        except Undeclared as undeclared:
            result, detail = "skip", f"{undeclared.capability} not declared"
        except Exception as exc:  # noqa: BLE001 - whatever a clause raises is its failure
            result, detail = "fail", "\n".join([f"{type(exc).__name__}: {exc}", *notes(exc)])
        counts[result] += 1
        needs = ", ".join(clause.needs) or "-"
        took = time.perf_counter() - started
        print(f"{clause.name.partition('.')[2]:<44} {needs:<28} {result:<6} {took:7.2f}")
        for line in wrapped(detail):
            print(line)
    print(", ".join(f"{n} {result}" for result, n in counts.items()))
    return 1 if counts["fail"] else 0


def for_the_kit(transport: TransportT) -> tuple[TransportT, str]:
    """``transport`` with what the kit needs for its own test groups, and what that was.

    A ``kafka://`` transport gets ``KAFKA_KIT_SETTINGS`` where its URL leaves them unset (a
    user's broker has default settings, under which the kit would wait minutes); any other
    transport is run as it is.
    """
    if not transport.url.startswith("kafka://"):
        return transport, ""
    from sdk.impl.transports.kafka import KafkaTransport

    if not isinstance(transport, KafkaTransport):
        return transport, ""
    derived, applied = transport.with_defaults(**KAFKA_KIT_SETTINGS)
    return derived, " ".join(f"{name}={value}" for name, value in applied.items())


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
