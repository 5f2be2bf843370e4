"""The redis:// transport against raw redis-py doing the same work, in one process.

Run: ``python examples/redis_transport/benchmark.py [--url redis://host:port] [--n N]``.
Without ``--url`` a redis-server is started on loopback (as the tests do). For N messages of
100 bytes to a 1-partition topic it prints msgs/s to produce (send all, then flush) and to
consume (a new group reading all from the start), for raw redis-py (pipelined ``XADD``, ``XREAD``
of 500) and for the transport, best of R interleaved rounds, and the transport's ratio to raw.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Generator
from typing import cast

from sdk_redis import RedisTransport
from sdk_redis.server import redis_server

PAYLOAD = b"x" * 100
BATCH = 1000


async def raw_produce(transport: RedisTransport, topic: str, n: int) -> None:
    client = transport.connect()
    for start in range(0, n, BATCH):
        pipe = client.pipeline(transaction=False)
        for _ in range(start, min(n, start + BATCH)):
            pipe.xadd(f"raw:{topic}", {b"ts": repr(time.time()).encode(), b"value": PAYLOAD})
        await pipe.execute()
    await client.aclose()


async def raw_consume(transport: RedisTransport, topic: str, n: int) -> None:
    client = transport.connect()
    last = b"0-0"
    got = 0
    while got < n:
        replies = await client.xread({f"raw:{topic}": last}, count=500)
        for _, entries in cast("list[tuple[bytes, list[tuple[bytes, object]]]]", replies):
            got += len(entries)
            last = entries[-1][0]
    await client.aclose()


async def sdk_produce(transport: RedisTransport, topic: str, n: int) -> None:
    producer = transport.create_producer()
    await producer.start()
    for _ in range(n):
        await producer.send(topic, None, PAYLOAD)
    await producer.stop()  # flushes


async def sdk_consume(transport: RedisTransport, topic: str, n: int) -> None:
    consumer = transport.create_consumer(f"bench-{uuid.uuid4().hex}")
    await consumer.start()
    consumer.subscribe([topic])
    got = 0
    while got < n:
        got += sum(map(len, (await consumer.getmany(timeout=0.1)).values()))
    await consumer.stop()


async def timed(work: Awaitable[None], n: int) -> float:
    started = time.perf_counter()
    await work
    return n / (time.perf_counter() - started)


async def run(url: str, n: int, rounds: int) -> None:
    transport = RedisTransport(url)
    best: dict[str, float] = {}
    for _ in range(rounds):
        topic = f"bench-{uuid.uuid4().hex[:8]}"
        for name, work in (
            ("raw produce", raw_produce),
            ("sdk produce", sdk_produce),
            ("raw consume", raw_consume),
            ("sdk consume", sdk_consume),
        ):
            best[name] = max(best.get(name, 0.0), await timed(work(transport, topic, n), n))
    for step in ("produce", "consume"):
        raw, sdk = best[f"raw {step}"], best[f"sdk {step}"]
        print(f"{step:8} raw redis-py {raw:10,.0f} msgs/s   redis:// {sdk:10,.0f} msgs/s   "
              f"ratio {sdk / raw:.2f}")  # fmt: skip


@contextlib.contextmanager
def server(url: str | None) -> Generator[str, None, None]:
    if url is not None:
        yield url
        return
    with redis_server() as started:
        yield started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=None, help="redis://host:port (default: start one)")
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with server(args.url) as url:
        print(f"{args.n} messages of {len(PAYLOAD)} bytes, best of {args.rounds}, on {url}")
        asyncio.run(run(url, args.n, args.rounds))


if __name__ == "__main__":
    main()
