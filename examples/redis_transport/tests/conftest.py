"""A real ``redis-server`` on a free loopback port for the session, and ``async def`` tests.

Every server the tests start goes through ``serve``, and every verdict on one that cannot be had
or started through ``unavailable``: under ``CI=true`` it fails the test; elsewhere the test is
skipped, with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import uuid
from collections.abc import Callable, Generator, Iterator
from contextlib import AbstractContextManager
from typing import NoReturn

import pytest
from sdk_redis.server import RedisServerUnavailable, find_redis_server, redis_server

CI = os.environ.get("CI") == "true"
TEST_TIMEOUT = 60.0
"""No async test runs longer: a hang fails the test instead of the run."""


def unavailable(exc: RedisServerUnavailable) -> NoReturn:
    """Skip the test saying why there is no server; under CI=true, fail it."""
    if CI:
        pytest.fail(f"CI=true needs a redis-server: {exc}", pytrace=False)
    pytest.skip(str(exc))


@contextlib.contextmanager
def serve() -> Generator[str, None, None]:
    """A ``redis-server`` of the caller's own, its URL; ``unavailable`` if it cannot start.

    Only the start is judged: an error once the URL is handed out is the test's.
    """
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(redis_server())
        except RedisServerUnavailable as exc:
            unavailable(exc)
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """One server for the session."""
    with serve() as url:
        yield url


@pytest.fixture
def start_redis() -> Callable[[], AbstractContextManager[str]]:
    """For a test that stops its server itself: ``with start_redis() as url: ...``.

    Whether there is a ``redis-server`` is judged here, at setup, so a skip names the test.
    """
    try:
        find_redis_server()
    except RedisServerUnavailable as exc:
        unavailable(exc)
    return serve


@pytest.fixture
def name() -> str:
    """A topic name (and group id) no other test uses."""
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run an ``async def`` test on a fresh event loop, bounded by TEST_TIMEOUT."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames  # pyright: ignore[reportPrivateUsage]  # pytest's own way to the test's arguments
    kwargs = {arg: pyfuncitem.funcargs[arg] for arg in names}
    asyncio.run(asyncio.wait_for(pyfuncitem.obj(**kwargs), TEST_TIMEOUT))
    return True
