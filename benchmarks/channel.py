"""Channel throughput against a raw ``asyncio.Queue`` moving the same objects, in one process.

Run: ``python benchmarks/channel.py [--events N] [--rounds R]``. Prints events/s for each case
and the ratio to the raw queue (best of R rounds each, rounds interleaved, in CPU time).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

from sdk import Channel

MAXSIZE = 4096


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


def channel_case(send: bool) -> Callable[[int, int], Awaitable[None]]:
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


async def measure(case: Callable[[int, int], Awaitable[None]], n: int, subscribers: int) -> float:
    """Events per second of this process's CPU time: a shared machine's other load drops out."""
    start = time.process_time()
    await case(n, subscribers)
    return n / (time.process_time() - start)


async def main(n: int, rounds: int) -> None:
    cases = {"raw queue": raw_queue, "put": channel_case(False), "send": channel_case(True)}
    for subscribers in (1, 4):
        best = dict.fromkeys(cases, 0.0)
        for _ in range(rounds):
            for name, case in cases.items():
                best[name] = max(best[name], await measure(case, n, subscribers))
        print(f"{subscribers} subscriber(s), {n} events, maxsize {MAXSIZE}, best of {rounds}:")
        for name, rate in best.items():
            ratio = rate / best["raw queue"]
            print(f"  {name:<10} {rate:>12,.0f} events/s   {ratio:5.2f} x raw queue")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.rounds))
