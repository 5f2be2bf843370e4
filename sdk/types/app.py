"""The app contract: the factory of channels and topics."""

from __future__ import annotations

from typing import Any, Literal, Protocol

from typing_extensions import TypeForm

from ._vars import KT, VT
from .channels import ChannelT
from .codecs import CodecArg

ProcessingGuarantee = Literal["at_least_once", "exactly_once"]
"""What an app promises of each message it reads: processed at least once (a crash may do the
last few again), or exactly once, its outputs and offset committed in one transaction."""


class AppT(Protocol):
    @property
    def id(self) -> str:
        """The app's name; also its consumer group."""
        ...

    @property
    def broker(self) -> str:
        """The transport's URL; its scheme selects the transport."""
        ...

    def channel(
        self,
        *,
        key_type: TypeForm[KT] = Any,
        value_type: TypeForm[VT] = Any,
        key_serializer: CodecArg = None,
        value_serializer: CodecArg = None,
        allow_empty: bool = False,
        maxsize: int | None = ...,
    ) -> ChannelT[KT, VT]: ...
