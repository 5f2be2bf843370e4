"""Runs ``async def`` tests on a fresh event loop each, and sets the hypothesis profiles."""

from __future__ import annotations

import asyncio
import inspect
import os

import pytest
from hypothesis import HealthCheck, settings

from sdk.impl.timeouts import within

TEST_TIMEOUT = 60.0
"""No async test runs longer: a hang fails the test instead of the run."""

settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    kwargs = {name: pyfuncitem.funcargs[name] for name in names}
    asyncio.run(within(TEST_TIMEOUT, pyfuncitem.obj(**kwargs)))
    return True
