"""``python -m sdk demo``: typed channels, fan-out and back-pressure, on the embedded default."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import msgspec

from sdk import App, Channel
from sdk.errors import ValueDecodeError
from sdk.impl.messages import Message


class Order(msgspec.Struct):
    id: int
    item: str
    amount: float


async def demo(say: Callable[[str], None] = print) -> None:
    app = App(id="demo")  # broker="memory://", the embedded default
    orders = app.channel(key_type=str, value_type=Order, maxsize=2)
    say(f"{app!r} made {orders!r}")

    say("\n1. Fan-out: every subscriber gets every order, in order.")
    billing, shipping = orders.clone(is_iterator=True), orders.clone(is_iterator=True)
    for n, item in enumerate(["tea", "cake"], start=1):
        sent = await orders.send_and_wait(key=f"o-{n}", value=Order(n, item, 2.5 * n))
        say(f"   sent o-{n} ({item}): offset {sent.offset}")
    for name, subscriber in [("billing", billing), ("shipping", shipping)]:
        got = [await subscriber.get() for _ in range(2)]
        say(f"   {name} got " + ", ".join(f"{e.key}={e.value.item}" for e in got))

    say("\n2. Back-pressure: maxsize=2, so the sender waits for the slowest subscriber.")
    shipping.unsubscribe()  # billing is the only subscriber now

    async def produce() -> None:
        for n in range(3, 7):
            await orders.send(key=f"o-{n}", value=Order(n, "scone", 1.0))
            say(f"   sent o-{n}")

    producer = asyncio.create_task(produce())
    for _ in range(4):
        await asyncio.sleep(0.01)  # billing is slow
        event = await billing.get()
        say(f"   billing took {event.key}")
    await producer

    say("\n3. Bytes from a transport decode straight into Order, or fail saying where.")
    good = Message("orders", 0, 7, 0.0, 0, (), b"o-7", b'{"id":7,"item":"jam","amount":4}')
    await orders.deliver(good)
    event = await billing.get()
    say(f"   offset 7 decoded to {event.value!r}")
    bad = Message("orders", 0, 8, 0.0, 0, (), b"o-8", b'{"id":8,"item":"jam"}')
    try:
        await orders.deliver(bad)
    except ValueDecodeError as exc:
        say(f"   offset 8 refused: {exc}")

    say("\n4. Topics: named, partitioned by key, shared out to an app's consumer group.")
    broker = f"memory://demo-{uuid.uuid4().hex}"  # a broker of this run's own
    shop = App(id="shop", broker=broker)
    async with shop:
        placed = shop.topic("placed", key_type=str, value_type=Order, internal=True, partitions=3)
        for n, customer in enumerate(["ada", "alan", "ada", "grace"], start=1):
            sent = await placed.send_and_wait(key=customer, value=Order(n, "tea", 2.0))
            say(f"   {customer}'s order {n} -> partition {sent.partition}, offset {sent.offset}")
    async with App(id="billing", broker=broker) as billing_app:
        read = 0
        async for event in billing_app.topic("placed", key_type=str, value_type=Order):
            async with event:  # acked at the end: committed, so a restart resumes after it
                say(
                    f"   billing read {event.key}'s order {event.value.id} from partition "
                    f"{event.message.partition}"
                )
            read += 1
            if read == 4:
                break
    say("   (in order within each partition; the same customer, the same partition)")


def main() -> None:
    asyncio.run(demo())


__all__ = ["Channel", "demo", "main"]
