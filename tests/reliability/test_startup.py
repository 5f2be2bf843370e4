"""No broker at start: ``App.start()`` fails within the configured timeout, naming the address,
and leaves no task, producer or connection behind."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
from collections.abc import Iterator

import pytest

from sdk import App
from sdk.errors import AuthenticationError, BrokerConnectionError
from sdk.impl.timeouts import within
from sdk.impl.transports.kafka import KafkaTransport

REQUEST_TIMEOUT = 1.0
"""The configured timeout (``request_timeout_ms``) that bounds a start against no broker."""


@contextlib.contextmanager
def no_broker(kind: str) -> Iterator[int]:
    """A loopback port with no broker: ``closed`` refuses connections, ``silent`` accepts and
    never answers (a hung broker, a firewall that drops)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        port = int(server.getsockname()[1])
        if kind == "closed":
            server.close()
        else:
            server.listen()
        yield port


@pytest.mark.parametrize("kind", ["closed", "silent"])
@pytest.mark.parametrize("consuming", [False, True], ids=["producer", "consumer"])
async def test_start_without_a_broker_fails_in_time_naming_the_address(
    kind: str, consuming: bool
) -> None:
    with no_broker(kind) as port:
        app = App(
            "no-broker",
            broker=KafkaTransport(
                f"kafka://127.0.0.1:{port}", request_timeout_ms=round(REQUEST_TIMEOUT * 1000)
            ),
        )
        if consuming:
            app.topic("orders").clone(is_iterator=True)
        with pytest.raises(BrokerConnectionError) as caught:
            await within(REQUEST_TIMEOUT + 5, app.start())  # a hang fails as TimeoutError
        assert f"cannot connect to Kafka at 127.0.0.1:{port}: " in str(caught.value)
        assert not isinstance(caught.value, AuthenticationError)
        await app.stop()  # harmless after a failed start
    gc.collect()  # an unclosed producer or connection warns (as an error) when collected
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_a_failed_start_inside_async_with_leaves_nothing_running() -> None:
    with no_broker("closed") as port:
        app = App("no-broker", broker=KafkaTransport(f"kafka://127.0.0.1:{port}"))
        with pytest.raises(BrokerConnectionError, match=f"127.0.0.1:{port}"):
            async with app:
                pytest.fail("the body runs only once started")
    gc.collect()
    assert asyncio.all_tasks() == {asyncio.current_task()}
