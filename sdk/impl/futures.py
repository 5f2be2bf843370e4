"""``FutureMessage``: resolves exactly once, and can be awaited by any number of tasks."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any, Generic

import msgspec

from sdk.types._vars import KT, VT
from sdk.types.tuples import PendingMessage, RecordMetadata


class FutureMessage(msgspec.Struct, Generic[KT, VT], eq=False):
    """Implements ``sdk.types.FutureMessage``.

    Not an ``asyncio.Future``: most messages resolve before anyone awaits them, so a loop
    future is made only for a task that has to wait, one per task, so that cancelling one
    waiting task never cancels the message for the others. A Struct, as it is made per message.
    """

    message: PendingMessage[KT, VT]
    _metadata: RecordMetadata | None = None
    _error: BaseException | None = None
    _waiters: list[asyncio.Future[None]] | None = None

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
        if self._metadata is not None or self._error is not None:
            raise self._resolved_twice()
        self._metadata = metadata
        if self._waiters:
            self._wake()

    def set_exception(self, error: BaseException) -> None:
        if self._metadata is not None or self._error is not None:
            raise self._resolved_twice()
        self._error = error
        if self._waiters:
            self._wake()

    def __await__(self) -> Generator[Any, None, RecordMetadata]:
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
        return f"<FutureMessage {state} key={self.message.key!r} value={self.message.value!r}>"

    def _resolved_twice(self) -> asyncio.InvalidStateError:
        return asyncio.InvalidStateError(f"{self!r} is already resolved")

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters or [], None
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
