"""A real ``redis-server`` on a free loopback port for the session, and ``async def`` tests.

Under ``CI=true`` a missing or failing ``redis-server`` fails the run; elsewhere the tests that
need it are skipped, with the reason.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import uuid
from collections.abc import Iterator

import pytest
from sdk_redis.server import redis_server

CI = os.environ.get("CI") == "true"
TEST_TIMEOUT = 60.0
"""No async test runs longer: a hang fails the test instead of the run."""


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    try:
        with redis_server() as url:
            yield url
    except (FileNotFoundError, RuntimeError) as exc:
        if CI:
            pytest.fail(f"redis-server is needed in CI and could not be started: {exc}")
        pytest.skip(f"redis-server could not be started: {exc}")


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
