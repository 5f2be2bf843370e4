"""A ``redis://`` transport for channels-sdk on Redis Streams: partitions, groups, offsets.

Installed, it is found by URL scheme: ``App("orders", broker="redis://localhost:6379/0")``.
"""

from __future__ import annotations

from .records import RedisTransportError
from .transport import CAPABILITIES, RedisTransport

__all__ = ["CAPABILITIES", "RedisTransport", "RedisTransportError"]
