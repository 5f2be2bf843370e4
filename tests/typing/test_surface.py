"""What the checkers say of the public surface. Checked by mypy --strict and pyright, not run.

A line that must be an error carries ``# type: ignore[code]``: mypy (warn_unused_ignores) and
pyright (reportUnnecessaryTypeIgnoreComment) both fail if that line is not an error.
"""

from __future__ import annotations

from typing import Any, Optional

import msgspec
from typing_extensions import Unpack, assert_type

from sdk import (
    App,
    Channel,
    ChannelT,
    DeadLetter,
    FutureMessage,
    Message,
    PendingMessage,
    RecordMetadata,
    SendArgs,
    Topic,
    TopicT,
)


class Order(msgspec.Struct):
    id: int
    amount: float


app = App(id="surface")


def unions_and_optionals_are_types_too() -> None:
    assert_type(app.topic("u", value_type=int | None), Topic[Any, int | None])
    assert_type(app.channel(value_type=Optional[Order]), Channel[Any, Order | None])  # noqa: UP045  # Optional is what is tested
    assert_type(app.channel(key_type=str, value_type=int | str), Channel[str, int | str])
    assert_type(Topic(app, "t", key_type=bytes, value_type=list[Order]), Topic[bytes, list[Order]])
    assert_type(app.topic("plain"), Topic[Any, Any])


class Stamped(Channel[str, Order]):
    """A subclass that hooks every send: its callers stay checked."""

    def prepare(self, message: PendingMessage[str, Order]) -> PendingMessage[str, Order]:
        return msgspec.structs.replace(message, headers=(*message.headers, ("stamp", b"1")))


class Forwarding(Channel[str, Order]):
    """A subclass that overrides ``send`` passing ``**message`` on: still checked."""

    async def send(self, **message: Unpack[SendArgs[str, Order]]) -> FutureMessage[str, Order]:
        return await super().send(**message)


async def subclass_callers_stay_checked(stamped: Stamped, forwarding: Forwarding) -> None:
    await stamped.send(key="k", value=Order(1, 1.0))
    await stamped.send(key=5, value=Order(1, 1.0))  # type: ignore[arg-type]
    await forwarding.send(key=5, value=Order(1, 1.0))  # type: ignore[arg-type]
    stamped.send_soon(value=1)  # type: ignore[arg-type]
    await forwarding.send_and_wait(key="k")  # type: ignore[call-arg]
    await stamped.send(value=Order(1, 1.0), colour="red")  # type: ignore[call-arg]
    channel: ChannelT[str, Order] = stamped
    del channel


async def generic_code_over_channels(
    channel: ChannelT[str, Order], topic: TopicT[str, Order]
) -> None:
    message: SendArgs[str, Order] = {"key": "k", "value": Order(1, 1.0)}
    await channel.send(**message)
    await topic.send(**message)
    also: ChannelT[str, Order] = topic
    del also


def decode_error_policies() -> None:
    app.topic("a", on_decode_error="raise")
    app.topic("b", on_decode_error="skip")
    app.topic("c", on_decode_error=DeadLetter("c-dead"))
    app.topic("d", on_decode_error="skp")  # type: ignore[arg-type]
    app.topic("e", on_decode_error="e-dead")  # type: ignore[arg-type]


def derive_keeps_the_class(topic: Topic[str, Order], stamped: Stamped) -> None:
    assert_type(topic.derive(maxsize=1), Topic[str, Order])
    assert_type(topic.derive_topic(suffix="-x"), Topic[str, Order])
    assert_type(stamped.derive(maxsize=1), Stamped)


async def annotated_with_what_sdk_exports(orders: Channel[str, Order]) -> None:
    metadata: RecordMetadata = await orders.send_and_wait(key="o-1", value=Order(1, 9.5))
    fut: FutureMessage[str, Order] = await orders.send(value=Order(2, 1.0))
    event = await orders.get()
    message: Message = event.message
    del metadata, fut, message

    def on_sent(fut: FutureMessage[str, Order]) -> None:
        assert_type(fut.message.value, Order)

    await orders.send(value=Order(3, 1.0), callback=on_sent)
    await orders.send(value=Order(3, 1.0), callback=lambda f: print(f.message.value.amount))
    await orders.send(value=Order(3, 1.0), callback=lambda f: print(f.message.value.amuont))  # type: ignore[attr-defined]

    def on_bytes(fut: FutureMessage[str, bytes]) -> None: ...

    await orders.send(value=Order(4, 1.0), callback=on_bytes)  # type: ignore[arg-type]
