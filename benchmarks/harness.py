"""What every benchmark here shares: a heap like a running app's, interleaved rounds, medians.

A short run on an empty heap hides what a long-running app pays: the garbage collector's
passes grow with the objects it tracks, and a hot path that makes tracked objects triggers
them. So, by default, each case moves at least 100,000 events per round, with the collector on,
beside ``Heap`` (about 60,000 tracked objects kept alive), timed by the wall clock. The SDK and
its reference alternate round by round, so a shared machine's load falls on both alike; the
figure is the median of the per-round ratios, with their spread (min-max). The best of all
rounds is printed on a second line, labelled, as the short figures used to be.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

import msgspec

EVENTS = 100_000
ROUNDS = 7
QUICK_EVENTS = 20_000
QUICK_ROUNDS = 3


class _Held(msgspec.Struct):
    """A record an app keeps: a tracked Struct holding a tracked list."""

    id: int
    name: str
    tags: list[str]


class Heap:
    """About 60,000 GC-tracked objects kept alive, as an app's state and caches are.

    15,000 dicts of four fields, one a list, and 15,000 Structs each holding a list of two
    strings: each dict, Struct and list is tracked (a dict of only scalars would not be).
    Made once per process, before anything is measured.
    """

    def __init__(self, records: int = 15_000) -> None:
        before = len(gc.get_objects())
        self.dicts = [
            {"id": i, "name": f"n{i}", "score": i * 0.5, "tags": [i]} for i in range(records)
        ]
        self.structs = [_Held(i, f"n{i}", [f"t{i}", "x"]) for i in range(records)]
        self.tracked = len(gc.get_objects()) - before

    def describe(self) -> str:
        return (
            f"heap: {self.tracked:,} more GC-tracked objects kept alive "
            f"({len(self.dicts):,} dicts and {len(self.structs):,} Structs, each holding a list); "
            f"collector on (thresholds {gc.get_threshold()})"
        )


@dataclass
class Case:
    """One measured thing: its rates per round, and the collections it caused per 100k events."""

    name: str
    rates: list[float] = field(default_factory=list)
    collections: list[int] = field(default_factory=list)
    full_collections: list[int] = field(default_factory=list)


class Collections:
    """Collections between two points, counted by ``gc.get_stats``: of all generations, and
    the full ones (the oldest generation: those walk the whole heap)."""

    def __init__(self) -> None:
        self._start = self._counts()

    @staticmethod
    def _counts() -> tuple[int, int]:
        stats = gc.get_stats()
        return sum(generation["collections"] for generation in stats), stats[-1]["collections"]

    def since(self) -> tuple[int, int]:
        (total, full), (total_0, full_0) = self._counts(), self._start
        return total - total_0, full - full_0


def timed(run: Callable[[], object], events: int) -> tuple[float, tuple[int, int]]:
    """Events/s of the wall clock, and collections made, for one synchronous round."""
    counted = Collections()
    start = time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    return events / elapsed, counted.since()


async def timed_async(
    run: Callable[[], Awaitable[object]], events: int
) -> tuple[float, tuple[int, int]]:
    """As ``timed``, for a coroutine function."""
    counted = Collections()
    start = time.perf_counter()
    await run()
    elapsed = time.perf_counter() - start
    return events / elapsed, counted.since()


def record(case: Case, measured: tuple[float, tuple[int, int]], events: int) -> None:
    rate, (collections, full) = measured
    case.rates.append(rate)
    case.collections.append(round(collections * 100_000 / events))
    case.full_collections.append(round(full * 100_000 / events))


def ratio_line(sdk: Case, reference: Case, target: float | None = None) -> str:
    """``sdk`` against ``reference``: the median per-round ratio with its min-max."""
    ratios = [s / r for s, r in zip(sdk.rates, reference.rates, strict=True)]
    median = statistics.median(ratios)
    met = (
        ""
        if target is None
        else f"  target >= {target:.2f} {'met' if median >= target else 'NOT met'}"
    )
    line = (
        f"  {sdk.name:<28} {statistics.median(sdk.rates):>11,.0f}/s  "
        f"{median:5.2f} x {reference.name} ({min(ratios):.2f}-{max(ratios):.2f}){met}"
    )
    if sdk.collections and reference.collections:
        line += (
            f"  collections/100k (full): {statistics.median(sdk.collections):.0f} "
            f"({statistics.median(sdk.full_collections):.0f}) vs "
            f"{statistics.median(reference.collections):.0f} "
            f"({statistics.median(reference.full_collections):.0f})"
        )
    return line


def reference_line(reference: Case) -> str:
    rates = reference.rates
    return (
        f"  {reference.name:<28} {statistics.median(rates):>11,.0f}/s  "
        f"(min-max {min(rates):,.0f}-{max(rates):,.0f})"
    )


def best_line(sdk: Case, reference: Case) -> str:
    return (
        f"    best of {len(sdk.rates)}: {max(sdk.rates):,.0f}/s vs {max(reference.rates):,.0f}/s, "
        f"{max(sdk.rates) / max(reference.rates):.2f}"
    )


def report(
    title: str,
    reference: Case,
    sdk_cases: Sequence[Case],
    targets: Mapping[str, float] | None = None,
) -> None:
    print(title)
    print(reference_line(reference))
    for sdk in sdk_cases:
        print(ratio_line(sdk, reference, (targets or {}).get(sdk.name)))
        print(best_line(sdk, reference))
