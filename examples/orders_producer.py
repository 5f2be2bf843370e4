"""Send typed orders to a topic: ``python examples/orders_producer.py kafka://127.0.0.1:9092``.

Run examples/orders_consumer.py with the same broker to read them. (With no argument it uses
memory://, which lives only as long as this process.)
"""

import asyncio
import sys

import msgspec

from sdk import App


class Order(msgspec.Struct):
    id: int
    customer: str
    amount: float


async def main(broker: str, count: int) -> None:
    async with App(id="orders-producer", broker=broker) as app:
        orders = app.topic("orders", key_type=str, value_type=Order, internal=True, partitions=3)
        for n in range(1, count + 1):
            customer = ["ada", "alan", "grace"][n % 3]
            sent = await orders.send_and_wait(key=customer, value=Order(n, customer, 9.5 * n))
            print(f"sent order {n} for {customer}: partition {sent.partition} offset {sent.offset}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "memory://", 6))
