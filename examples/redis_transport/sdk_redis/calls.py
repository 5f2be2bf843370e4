"""Every Redis command is awaited through ``call``, so that cancelling the caller works.

redis-py's asyncio client can swallow a cancellation that arrives while it sends a command (the
command then completes as if nothing happened; seen with redis 8.1 on Python 3.11, and reported
before as redis/redis-py#2028). A consumer whose fetch swallows the cancellation of ``stop`` never
stops. Run in a task of its own and awaited through a shield, the command can no longer swallow
the caller's cancellation: the caller is cancelled at once, and the command is cancelled too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.exceptions import AuthenticationError as RedisAuthenticationError
from redis.exceptions import RedisError

from sdk.transports import AuthenticationError, BrokerConnectionError

T = TypeVar("T")

logger = logging.getLogger(__name__)


async def call(command: Awaitable[T]) -> T:
    """The command's result; cancelling the caller cancels the command and is never lost."""
    task = asyncio.ensure_future(command)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        task.cancel()
        task.add_done_callback(_abandoned)
        raise


async def ping(client: Redis, where: str) -> None:
    """Connect now, so that a wrong address fails ``start`` rather than the first command."""
    try:
        await call(client.ping())  # pyright: ignore[reportUnknownMemberType]  # redis-py leaves ping's **kwargs untyped
    except RedisAuthenticationError as exc:
        raise AuthenticationError(f"Redis at {where} refused the credentials: {exc}") from exc
    except (RedisError, OSError) as exc:
        raise BrokerConnectionError(f"cannot connect to Redis at {where}: {exc}") from exc


def _abandoned(task: asyncio.Future[Any]) -> None:
    """A command its caller stopped waiting for: what became of it is only worth a debug line."""
    if not task.cancelled() and task.exception() is not None:
        logger.debug("a cancelled Redis command ended with %r", task.exception())
