"""The public surface: one send funnel, Topic beside Channel, derive on both, the prepare hook.

Each test here failed on the main before the surface was redesigned (issue 9).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sdk import App, Channel, DeadLetter, PendingMessage, Topic
from sdk.errors import KeyEncodeError, ValueEncodeError
from sdk.impl.channel_base import ChannelBase
from sdk.impl.topic import TopicHost
from sdk.testing.reading import take


class Order(msgspec.Struct):
    id: int
    amount: float


class Stamped(Channel[str, Order]):
    """A user's channel that stamps and counts every send, in the one hook they all pass."""

    def __init__(self, *, origin: str) -> None:  # a constructor of its own
        super().__init__(key_type=str, value_type=Order)
        self.origin = origin
        self.prepared = 0

    def prepare(self, message: PendingMessage[str, Order]) -> PendingMessage[str, Order]:
        self.prepared += 1
        stamp = ("origin", self.origin.encode())
        return msgspec.structs.replace(message, headers=(*message.headers, stamp))


class AuditedTopic(Topic[Any, Any]):
    """A user's topic class, for ``App(topic_class=...)``."""

    def prepare(self, message: PendingMessage[Any, Any]) -> PendingMessage[Any, Any]:
        return msgspec.structs.replace(message, headers=(*message.headers, ("audited", b"1")))


def memory_app(cls: type[Topic[Any, Any]] = Topic) -> App:
    return App(
        f"surface-{uuid.uuid4().hex[:8]}", broker=f"memory://{uuid.uuid4().hex}", topic_class=cls
    )


def test_topic_is_beside_channel_not_under_it() -> None:
    assert not issubclass(Topic, Channel)
    assert issubclass(Topic, ChannelBase)
    assert issubclass(Channel, ChannelBase)


async def test_derive_works_on_a_topic_and_keeps_its_class_and_app() -> None:
    app = memory_app()
    topic = app.topic("x", value_type=int, partitions=3, internal=True)
    derived = topic.derive(maxsize=1)
    assert type(derived) is Topic
    assert derived.maxsize == 1
    assert (derived.topics, derived.partitions, derived.internal) == (("x",), 3, True)
    assert derived.schema is not topic.schema
    assert derived.schema.value_type is int
    await derived.send_and_wait(value=7)  # sends through the same app's producer
    async with app:
        assert [e.value for e in await take(topic, 1)] == [7]


async def test_derive_and_derive_topic_keep_a_user_subclass_and_its_attributes() -> None:
    channel = Stamped(origin="here")
    derived = channel.derive(maxsize=2)
    assert type(derived) is Stamped
    assert (derived.origin, derived.maxsize) == ("here", 2)
    subscriber = derived.clone(is_iterator=True)
    await derived.send(key="k", value=Order(1, 1.0))
    assert (await subscriber.get()).headers == (("origin", b"here"),)
    assert channel.subscriber_count == 0  # a separate channel: nothing reached the original

    app = memory_app(AuditedTopic)
    renamed = app.topic("a", value_type=int).derive_topic(suffix="-b")
    assert type(renamed) is AuditedTopic
    assert renamed.topics == ("a-b",)


async def test_app_topic_builds_the_apps_topic_class() -> None:
    app = memory_app(AuditedTopic)
    topic = app.topic("audited", value_type=int)
    assert type(topic) is AuditedTopic
    await topic.send_and_wait(value=1)
    async with app:
        [event] = await take(topic, 1)
    assert event.headers == (("audited", b"1"),)


async def test_every_send_passes_the_prepare_hook() -> None:
    channel = Stamped(origin="o")
    subscriber = channel.clone(is_iterator=True)
    await channel.send(value=Order(1, 1.0))
    await channel.send_and_wait(value=Order(2, 1.0))
    await channel.send_soon(value=Order(3, 1.0))
    await channel.publish_message(channel.as_future_message(value=Order(4, 1.0)))
    got = [await subscriber.get() for _ in range(4)]
    assert [e.value.id for e in got] == [1, 2, 3, 4]
    assert all(e.headers == (("origin", b"o"),) for e in got)
    assert channel.prepared == 4


def test_a_decode_error_policy_typo_is_refused_at_construction() -> None:
    app = memory_app()
    with pytest.raises(ValueError, match=r"'raise', 'skip' or DeadLetter\('topic'\), not 'skp'"):
        app.topic("t", on_decode_error="skp")  # type: ignore[arg-type]  # the typo under test
    assert app.topic("t", on_decode_error=DeadLetter("t-dlt")).on_decode_error == DeadLetter(
        "t-dlt"
    )


def test_the_app_is_what_a_topic_needs_of_its_app() -> None:
    host: TopicHost = App()
    assert host.running_producer is None


# -- send_soon keeps its order with the sends that follow ---------------------------------------

_STEPS = st.lists(
    st.sampled_from(["soon", "send", "send_and_wait", "publish"]), min_size=1, max_size=30
)


async def _send_all(target: Channel[Any, int] | Topic[Any, int], steps: list[str]) -> None:
    for i, step in enumerate(steps):
        if step == "soon":
            target.send_soon(value=i)
        elif step == "send":
            await target.send(value=i)
        elif step == "send_and_wait":
            await target.send_and_wait(value=i)
        else:
            await target.publish_message(target.as_future_message(value=i), wait=False)


@settings(max_examples=60, deadline=None)
@given(_STEPS, st.sampled_from([1, 2, None]))
def test_send_soon_then_send_keep_their_order_on_a_channel(
    steps: list[str], maxsize: int | None
) -> None:
    async def scenario() -> list[int]:
        channel: Channel[Any, int] = Channel(value_type=int, maxsize=maxsize)
        subscriber = channel.clone(is_iterator=True)
        read: list[int] = []

        async def reader() -> None:
            while len(read) < len(steps):
                read.append((await subscriber.get()).value)

        reading = asyncio.ensure_future(reader())
        await _send_all(channel, steps)
        await asyncio.wait_for(reading, 10)
        return read

    assert asyncio.run(scenario()) == list(range(len(steps)))


@settings(max_examples=30, deadline=None)
@given(_STEPS)
def test_send_soon_then_send_keep_their_order_on_a_topic(steps: list[str]) -> None:
    async def scenario() -> list[int]:
        app = memory_app()
        topic = app.topic("ordered", value_type=int)
        await _send_all(topic, steps)
        async with app:
            return [e.value for e in await take(topic, len(steps))]

    assert asyncio.run(scenario()) == list(range(len(steps)))


async def test_a_send_cancelled_while_waiting_behind_send_soon_hands_nothing_over() -> None:
    channel: Channel[Any, int] = Channel(value_type=int, maxsize=1)
    subscriber = channel.clone(is_iterator=True)
    await channel.put(0)  # full: what follows waits
    queued = channel.send_soon(value=1)
    sending = asyncio.ensure_future(channel.send(value=2))
    await asyncio.sleep(0)
    sending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sending
    later = asyncio.ensure_future(channel.send(value=3))
    assert [(await subscriber.get()).value for _ in range(3)] == [0, 1, 3]
    await later
    assert queued.done()


# -- typed at run time: a channel refuses what a topic's encoding refuses ----------------------


async def test_a_typed_channel_refuses_a_wrong_type_as_a_topic_does() -> None:
    app = memory_app()
    channel = app.channel(key_type=str, value_type=Order)
    topic = app.topic("orders", key_type=str, value_type=Order)
    subscriber = channel.clone(is_iterator=True)
    for target, where in ((channel, "channel Channel[str, Order]"), (topic, "topic 'orders'")):
        with pytest.raises(ValueEncodeError) as value_error:
            await target.send(value=1)  # type: ignore[arg-type]  # the wrong type under test
        assert f"cannot encode value for {where} with codec 'json' as Order: got int" in str(
            value_error.value
        )
        with pytest.raises(KeyEncodeError, match=re.escape(f"key for {where}")):
            await target.send(key=5, value=Order(1, 1.0))  # type: ignore[arg-type]  # under test
        with pytest.raises(ValueEncodeError, match="None is a tombstone"):
            target.send_soon(value=None)  # type: ignore[arg-type]  # under test
        with pytest.raises(ValueEncodeError, match="got str"):
            target.as_future_message(value="no")  # type: ignore[arg-type]  # under test
    assert subscriber.empty()  # nothing was delivered
    await channel.send(value=Order(1, 1.0))
    assert (await subscriber.get()).value == Order(1, 1.0)


async def test_a_topic_names_itself_in_what_its_codec_refuses() -> None:
    app = memory_app()
    with pytest.raises(ValueEncodeError, match=r"for topic 'untyped' with codec 'json'.*\$\.tags"):
        await app.topic("untyped").send(value={"tags": {"a", "b"}})


async def test_a_send_that_waits_for_room_keeps_the_next_offset() -> None:
    """The fast path gives way to waiting with the same event: no offset is skipped."""
    channel: Channel[Any, int] = Channel(value_type=int, maxsize=1)
    subscriber = channel.clone(is_iterator=True)
    await channel.send(value=0)
    waiting = asyncio.ensure_future(channel.send(value=1))  # full: it waits for room
    await asyncio.sleep(0)
    assert (await subscriber.get()).message.offset == 0
    fut = await waiting
    assert fut.result().offset == (await subscriber.get()).message.offset == 1
