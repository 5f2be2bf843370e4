"""What the checkers infer for users' code. Checked by mypy --strict and pyright, not run.

A line that must be an error carries ``# type: ignore[code]``: mypy (warn_unused_ignores) and
pyright (reportUnnecessaryTypeIgnoreComment) both fail if that line is not an error.
"""

from __future__ import annotations

from typing import Any

import msgspec
from typing_extensions import assert_type

from sdk import App, Channel, Event
from sdk.types import ChannelT, EventT, RecordMetadata


class Order(msgspec.Struct):
    id: int
    amount: float


app = App(id="typing")


async def typed_value() -> None:
    orders = app.channel(value_type=Order)
    assert_type(orders, Channel[Any, Order])
    async for event in orders:
        assert_type(event, Event[Any, Order])
        assert_type(event.value, Order)
        assert_type(event.value.amount, float)
        break


async def typed_key_and_value() -> None:
    orders = app.channel(key_type=str, value_type=Order)
    assert_type(orders, Channel[str, Order])
    event = await orders.get()
    assert_type(event.key, str | None)
    fut = await orders.send(key="k", value=Order(id=1, amount=2.0))
    metadata = await fut
    assert_type(metadata, RecordMetadata)
    assert_type(await orders.send_and_wait(value=Order(id=1, amount=2.0)), RecordMetadata)


async def untyped() -> None:
    channel = app.channel()
    assert_type(channel, Channel[Any, Any])
    await channel.put(1)
    await channel.put("anything")


async def as_protocols() -> None:
    orders: ChannelT[str, Order] = app.channel(key_type=str, value_type=Order)
    event: EventT[str, Order] = await orders.get()
    assert_type(event.value, Order)


async def misuse() -> None:
    orders = app.channel(key_type=str, value_type=Order)
    await orders.send(value=1)  # type: ignore[arg-type]
    await orders.send(key=1, value=Order(id=1, amount=2.0))  # type: ignore[arg-type]
    await orders.put("not an order")  # type: ignore[arg-type]
    wrong: ChannelT[str, int] = orders  # type: ignore[assignment]
    del wrong
