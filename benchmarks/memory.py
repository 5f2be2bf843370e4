"""Peak RSS per 100,000 events in flight, the SDK against the raw library holding the same values.

Run: ``python benchmarks/memory.py [--events N]``. Each case runs in a fresh subprocess, so one
case's heap does not inflate the next: the child imports everything, notes its resident set,
puts N typed Orders in flight (sent, not yet read), and reports its peak resident set less the
one noted first, scaled to 100,000 events.

- channel: ``Channel.send`` to one subscriber that has not read yet (maxsize None), against a
  raw ``asyncio.Queue`` holding the same Orders;
- topic: ``Topic.send`` on memory:// read into one subscriber's buffer, unread, against the same
  Orders held as raw aiokafka ``ConsumerRecord``s (their json bytes) beside the decoded Orders.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
from pathlib import Path

import msgspec

CASES = ("raw queue", "channel", "raw aiokafka records", "topic")


class Order(msgspec.Struct):
    id: int
    customer: str
    amount: float
    items: list[str]


def order(i: int) -> Order:
    return Order(i, f"customer {i}", 12.5 + i % 7, ["tea", "cake"])


def rss_kib() -> int:
    """The resident set now, in KiB (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() // 1024


async def in_flight(case: str, n: int) -> list[object]:
    """Put n Orders in flight as ``case`` does; return what must stay alive while measuring."""
    values = [order(i) for i in range(n)]
    if case == "raw queue":
        queue: asyncio.Queue[Order] = asyncio.Queue()
        for value in values:
            queue.put_nowait(value)
        return [queue]
    if case == "channel":
        from sdk import Channel

        channel: Channel[None, Order] = Channel(value_type=Order, maxsize=None)
        reader = channel.clone(is_iterator=True)
        for value in values:
            await channel.send(value=value)
        return [channel, reader]
    if case == "raw aiokafka records":
        from aiokafka.structs import ConsumerRecord

        encode = msgspec.json.Encoder().encode
        decode = msgspec.json.Decoder(Order).decode
        records = [
            ConsumerRecord("orders", 0, i, 0, 0, None, encode(v), None, 0, len(encode(v)), ())
            for i, v in enumerate(values)
        ]
        return [records, [decode(record.value) for record in records]]
    from sdk import App

    app = App("memory-bench", broker="memory://memory-bench")
    topic = app.topic("orders", value_type=Order, maxsize=None)
    await app.start()
    reader = aiter(topic)
    futures = [await topic.send(value=value) for value in values]
    for fut in futures:
        await fut
    first = await anext(reader)  # the subscriber is fed: wait until all n are in its buffer
    buffer = reader._buffer  # the benchmark looks inside: how many wait there
    assert buffer is not None
    for _ in range(3000):
        if len(buffer.items) >= n - 1:
            return [app, topic, reader, first]
        await asyncio.sleep(0.01)
    raise RuntimeError(f"only {len(buffer.items) + 1} of {n} events reached the subscriber")


def child(case: str, n: int) -> None:
    import aiokafka  # noqa: F401  # imported before the baseline, as sdk is

    import sdk  # noqa: F401

    baseline = rss_kib()

    async def run() -> None:
        kept = await in_flight(case, n)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"case": case, "kib": (peak - baseline) * 100_000 / n}))
        del kept

    asyncio.run(run())


def main(n: int) -> None:
    print(f"peak RSS per 100,000 events in flight ({n:,} measured, each case a fresh process):")
    found: dict[str, float] = {}
    for case in CASES:
        out = subprocess.run(
            [sys.executable, __file__, "--child", case, "--events", str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
        found[case] = json.loads(out.stdout.strip().splitlines()[-1])["kib"]
    for sdk, raw in [("channel", "raw queue"), ("topic", "raw aiokafka records")]:
        print(
            f"  {sdk:<8} {found[sdk] / 1024:6.1f} MiB   {raw} {found[raw] / 1024:6.1f} MiB   "
            f"{found[sdk] / found[raw]:4.2f} x raw"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="accepted for make bench; no change")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.events)
    else:
        main(args.events)
