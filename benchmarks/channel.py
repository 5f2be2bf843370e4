"""Channel throughput against raw ``asyncio.Queue``s moving the same objects, in one process.

Run: ``python benchmarks/channel.py [--quick] [--events N] [--rounds R]``. For 1 and 4
subscribers it prints events/s of ``put`` and ``send`` and their ratio to raw queues (one per
subscriber), sustained as ``harness`` describes: a populated heap, the collector on, the wall
clock, the median of interleaved rounds with its min-max.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
from collections.abc import Awaitable, Callable

from harness import (
    EVENTS,
    QUICK_EVENTS,
    QUICK_ROUNDS,
    ROUNDS,
    Case,
    Heap,
    record,
    report,
    timed_async,
)

from sdk import Channel

MAXSIZE = 4096
TARGETS = {1: {"send": 0.6, "put": 0.9}, 4: {"send": 1.0}}

Run = Callable[[int, int], Awaitable[None]]


async def raw_queue(n: int, subscribers: int) -> None:
    queues: list[asyncio.Queue[int]] = [asyncio.Queue(MAXSIZE) for _ in range(subscribers)]

    async def produce() -> None:
        for i in range(n):
            for queue in queues:
                await queue.put(i)

    async def consume(queue: asyncio.Queue[int]) -> None:
        for _ in range(n):
            await queue.get()

    await asyncio.gather(produce(), *(consume(q) for q in queues))


def channel_case(send: bool) -> Run:
    async def run(n: int, subscribers: int) -> None:
        channel: Channel[None, int] = Channel(maxsize=MAXSIZE)
        readers = [channel.clone(is_iterator=True) for _ in range(subscribers)]

        async def produce() -> None:
            if send:
                for i in range(n):
                    await channel.send(value=i)
            else:
                for i in range(n):
                    await channel.put(i)

        async def consume(reader: Channel[None, int]) -> None:
            count = 0
            async for _event in reader:
                count += 1
                if count == n:
                    break

        await asyncio.gather(produce(), *(consume(r) for r in readers))

    return run


async def main(n: int, rounds: int) -> None:
    heap = Heap()
    print(f"channels: {n:,} events a round, maxsize {MAXSIZE}, {rounds} interleaved rounds")
    print(heap.describe())
    runs: dict[str, Run] = {
        "raw queue": raw_queue,
        "put": channel_case(False),
        "send": channel_case(True),
    }
    for subscribers in (1, 4):
        cases = {name: Case(name) for name in runs}
        for round_ in range(rounds):
            order = list(runs) if round_ % 2 == 0 else list(reversed(runs))
            for name in order:
                run = functools.partial(runs[name], n, subscribers)
                record(cases[name], await timed_async(run, n), n)
        label = "raw queue" if subscribers == 1 else f"{subscribers} raw queues"
        cases["raw queue"].name = label
        report(
            f"{subscribers} subscriber(s), events/s (each event to every subscriber):",
            cases["raw queue"],
            [cases["put"], cases["send"]],
            TARGETS[subscribers],
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer events and rounds")
    parser.add_argument("--events", type=int)
    parser.add_argument("--rounds", type=int)
    args = parser.parse_args()
    events = args.events or (QUICK_EVENTS if args.quick else EVENTS)
    rounds = args.rounds or (QUICK_ROUNDS if args.quick else ROUNDS)
    asyncio.run(main(events, rounds))
