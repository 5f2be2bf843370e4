"""Read typed orders from a topic: ``python examples/orders_consumer.py kafka://127.0.0.1:9092 6``.

Reads that many orders as the consumer group ``orders-consumer``, acking each; run it again and
it resumes after the last one acked.
"""

import asyncio
import sys

from orders_producer import Order

from sdk import App


async def main(broker: str, count: int) -> None:
    total = 0.0
    async with App(id="orders-consumer", broker=broker) as app:
        orders = app.topic("orders", key_type=str, value_type=Order)
        read = 0
        async for event in orders:
            async with event:  # acked when done: committed, never read again by this group
                total += event.value.amount
                read += 1
            if read == count:
                break
    print(f"read {read} orders worth {total:.2f}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
