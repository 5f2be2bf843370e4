"""Channels each derived from the in-memory one with a single defect, for the kit to catch."""

from __future__ import annotations

from typing import Any

from sdk import Channel


class DropsWhenFull(Channel[Any, Any]):
    """Never makes a sender wait: a put to a full subscriber is dropped instead."""

    async def put(self, value: Any) -> None:
        hub = self._hub
        event = hub.event(None, value, (), None)
        hub.offer(event)  # the defect: no waiting when there is no room


class SwapsPairs(Channel[Any, Any]):
    """Moves every second value ahead of the one put before it, if that one is still unread."""

    puts = 0

    async def put(self, value: Any) -> None:
        await super().put(value)
        self.puts += 1
        if self.puts % 2 == 0:
            for buffer in self._hub.targets:
                items = buffer.items
                if len(items) >= 2:
                    items[-1], items[-2] = items[-2], items[-1]
