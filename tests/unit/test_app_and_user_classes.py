"""The app, and the user-written classes of tests/typing working at run time too."""

from __future__ import annotations

import pytest

from sdk import App
from sdk.types import CodecT
from tests.typing.test_structural import CountingChannel, HalfCodec, Order, Rot13


async def test_a_user_channel_that_inherits_nothing_works_where_a_channel_does() -> None:
    channel = CountingChannel()
    subscriber = channel.clone(is_iterator=True)
    await channel.send(key="o", value=Order(id=1, amount=2.0))
    await channel.send_and_wait(value=Order(id=2, amount=3.0))
    got = [await subscriber.get(), await anext(aiter(subscriber))]
    assert [(e.key, e.value.id) for e in got] == [("o", 1), (None, 2)]
    assert channel.sent == 2


def test_runtime_protocol_checks_see_what_the_checkers_see() -> None:
    assert isinstance(Rot13(), CodecT)
    assert not isinstance(HalfCodec(), CodecT)


def test_an_app_needs_an_id_and_a_broker_url() -> None:
    assert App().id == "sdk"
    assert App("orders", broker="memory://").broker == "memory://"
    with pytest.raises(ValueError, match="non-empty id"):
        App("")
    with pytest.raises(ValueError, match=r"broker must be a URL .*'localhost:9092'"):
        App("x", broker="localhost:9092")
    assert repr(App("x")) == "App(id='x', broker='memory://')"
