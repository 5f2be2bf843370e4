"""``within``: a timeout that never loses a cancellation.

``asyncio.wait_for`` on Python 3.10 and 3.11 returns the result, swallowing the cancellation,
when the task is cancelled just as the awaited thing completes: a task being stopped then runs
on. ``asyncio.timeout`` (3.11+) has no such gap; 3.10 keeps ``wait_for``.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any

from sdk.types._vars import T


async def within(seconds: float, work: Coroutine[Any, Any, T]) -> T:
    """``await work``, raising ``TimeoutError`` after ``seconds``."""
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await work
    return await asyncio.wait_for(work, seconds)  # pragma: no cover  # 3.10 only
