"""``FutureMessage``: resolves exactly once, and can be awaited by any number of tasks."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any, Generic

from sdk.types._vars import KT, VT
from sdk.types.tuples import PendingMessage, RecordMetadata


class FutureMessage(Generic[KT, VT]):
    """Implements ``sdk.types.FutureMessage``.

    Not an ``asyncio.Future``: most messages resolve before anyone awaits them, so a loop
    future is made only for a task that has to wait, one per task, so that cancelling one
    waiting task never cancels the message for the others.
    """

    __slots__ = ("_error", "_metadata", "_waiters", "message")

    def __init__(self, message: PendingMessage[KT, VT]) -> None:
        self.message = message
        self._metadata: RecordMetadata | None = None
        self._error: BaseException | None = None
        self._waiters: list[asyncio.Future[None]] = []

    def done(self) -> bool:
        return self._metadata is not None or self._error is not None

    def result(self) -> RecordMetadata:
        if self._error is not None:
            raise self._error
        if self._metadata is None:
            raise asyncio.InvalidStateError(f"{self!r} has not resolved yet")
        return self._metadata

    def exception(self) -> BaseException | None:
        if not self.done():
            raise asyncio.InvalidStateError(f"{self!r} has not resolved yet")
        return self._error

    def set_result(self, metadata: RecordMetadata) -> None:
        self._check_pending()
        self._metadata = metadata
        self._wake()

    def set_exception(self, error: BaseException) -> None:
        self._check_pending()
        self._error = error
        self._wake()

    def __await__(self) -> Generator[Any, None, RecordMetadata]:
        if not self.done():
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                yield from waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        return self.result()

    def __repr__(self) -> str:
        state = "pending" if not self.done() else ("failed" if self._error else "sent")
        return f"<FutureMessage {state} key={self.message.key!r} value={self.message.value!r}>"

    def _check_pending(self) -> None:
        if self.done():
            raise asyncio.InvalidStateError(f"{self!r} is already resolved")

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
