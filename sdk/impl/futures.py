"""``FutureMessage``: resolves exactly once, and can be awaited by any number of tasks."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Generic

import msgspec

from sdk.impl.messages import PendingMessage
from sdk.types._vars import KT, VT
from sdk.types.codecs import CodecArg
from sdk.types.messages import Headers, MessageSentCallback, RecordMetadata
from sdk.types.messages import PendingMessage as PendingMessageT
from sdk.types.transports import AckT

if TYPE_CHECKING:
    from sdk.types.channels import ChannelT


class FutureMessage(msgspec.Struct, Generic[KT, VT], eq=False):
    """Implements ``sdk.types.FutureMessage``.

    Not an ``asyncio.Future``: most messages resolve before anyone awaits them, so a loop
    future is made only for a task that has to wait, one per task, so that cancelling one
    waiting task never cancels the message for the others. A Struct, as it is made per message.

    It holds what was sent (``channel`` to ``callback``, a ``PendingMessage``'s fields), and
    makes its ``message`` only when asked for: one object per send for the garbage collector to
    track, not two, when a sender keeps its futures.
    """

    channel: ChannelT[Any, Any]
    value: VT
    key: KT | None = None
    partition: int | None = None
    timestamp: float | None = None
    headers: Headers = ()
    key_serializer: CodecArg = None
    value_serializer: CodecArg = None
    callback: MessageSentCallback[Any, Any] | None = None
    _message: PendingMessageT[KT, VT] | None = None
    _metadata: RecordMetadata | None = None
    _error: BaseException | None = None
    _waiters: list[asyncio.Future[None]] | None = None
    _ack: AckT | None = None

    @classmethod
    def of(cls, message: PendingMessageT[KT, VT]) -> FutureMessage[KT, VT]:
        """The future of a message made already (by a ``prepare`` hook): ``message`` is it."""
        return cls(
            message.channel,
            message.value,
            message.key,
            message.partition,
            message.timestamp,
            message.headers,
            message.key_serializer,
            message.value_serializer,
            message.callback,
            message,
        )

    @property
    def message(self) -> PendingMessageT[KT, VT]:
        message = self._message
        if message is None:
            message = self._message = PendingMessage(
                channel=self.channel,
                value=self.value,
                key=self.key,
                partition=self.partition,
                timestamp=self.timestamp,
                headers=self.headers,
                key_serializer=self.key_serializer,
                value_serializer=self.value_serializer,
                callback=self.callback,
            )
        return message

    def follow(self, ack: AckT) -> None:
        """Resolve as the transport's answer does: no callback, no second future in between.

        An answer already in (memory:// acknowledges as it appends) is taken at once, and the
        ack let go.
        """
        if self._metadata is not None or self._error is not None or self._ack is not None:
            raise self._resolved_twice()
        if ack.done():
            try:
                self._metadata = ack.result()
            except BaseException as error:  # noqa: BLE001  # the send's error: kept, raised on await
                self._error = error
            if self._waiters:  # awaited before it was sent (send_soon)
                self._wake()
            return
        self._ack = ack
        if self._waiters:  # awaited before it was sent (send_soon): wake those on the answer
            ack.add_done_callback(lambda _: self._wake())

    def done(self) -> bool:
        if self._ack is not None:
            return self._ack.done()
        return self._metadata is not None or self._error is not None

    def result(self) -> RecordMetadata:
        if self._ack is not None:
            if not self._ack.done():
                raise asyncio.InvalidStateError(f"{self!r} has not resolved yet")
            return self._ack.result()
        if self._error is not None:
            raise self._error
        if self._metadata is None:
            raise asyncio.InvalidStateError(f"{self!r} has not resolved yet")
        return self._metadata

    def exception(self) -> BaseException | None:
        if not self.done():
            raise asyncio.InvalidStateError(f"{self!r} has not resolved yet")
        if self._ack is not None:
            try:
                self._ack.result()
            except BaseException as error:  # noqa: BLE001  # the error is what is asked for
                return error
            return None
        return self._error

    def set_result(self, metadata: RecordMetadata) -> None:
        if self._metadata is not None or self._error is not None or self._ack is not None:
            raise self._resolved_twice()
        self._metadata = metadata
        if self._waiters:
            self._wake()

    def set_exception(self, error: BaseException) -> None:
        if self._metadata is not None or self._error is not None or self._ack is not None:
            raise self._resolved_twice()
        self._error = error
        if self._waiters:
            self._wake()

    def __await__(self) -> Generator[Any, None, RecordMetadata]:
        if self._metadata is not None:  # most are resolved before anyone awaits them
            return self._metadata
        ack = self._ack
        if ack is not None:
            if ack.done():
                return ack.result()
            # shielded: cancelling one awaiting task leaves the message to the others
            return (yield from asyncio.shield(_wait(ack)).__await__())
        if not self.done():
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            if self._waiters is None:
                self._waiters = []
            self._waiters.append(waiter)
            try:
                yield from waiter
            finally:
                if self._waiters and waiter in self._waiters:
                    self._waiters.remove(waiter)
        return self.result()

    def __repr__(self) -> str:
        state = "pending" if not self.done() else ("failed" if self._error else "sent")
        return f"<FutureMessage {state} key={self.key!r} value={self.value!r}>"

    def _resolved_twice(self) -> asyncio.InvalidStateError:
        return asyncio.InvalidStateError(f"{self!r} is already resolved")

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters or [], None
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)


async def _wait(ack: AckT) -> RecordMetadata:
    return await ack
