"""Type variables shared by the protocols.

Every generic protocol defaults to ``Any`` (PEP 696), so ``ChannelT`` alone means
``ChannelT[Any, Any]``. The ``_co`` variables are for read-only positions (events, pending
messages, futures); channels and schemas both take and give values, so they are invariant.
"""

from typing import Any

from typing_extensions import TypeVar

KT = TypeVar("KT", default=Any)
VT = TypeVar("VT", default=Any)
KT_co = TypeVar("KT_co", covariant=True, default=Any)
VT_co = TypeVar("VT_co", covariant=True, default=Any)
T = TypeVar("T")
