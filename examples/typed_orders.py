"""A typed channel with two subscribers: every order reaches both, typed as Order."""

import asyncio

import msgspec

from sdk import App


class Order(msgspec.Struct):
    id: int
    amount: float


app = App(id="shop")
orders = app.channel(key_type=str, value_type=Order)


async def main() -> None:
    billing = orders.clone(is_iterator=True)
    shipping = orders.clone(is_iterator=True)
    for n in range(1, 4):
        metadata = await orders.send_and_wait(key=f"o-{n}", value=Order(n, 10.0 * n))
        print(f"sent o-{n} at offset {metadata.offset}")
    total = 0.0
    for _ in range(3):
        event = await billing.get()
        total += event.value.amount  # a float, to the checker too
    shipped = [(await shipping.get()).key for _ in range(3)]
    print(f"billing total {total:.2f}; shipping {', '.join(k or '?' for k in shipped)}")


if __name__ == "__main__":
    asyncio.run(main())
