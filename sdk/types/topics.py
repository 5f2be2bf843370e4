"""The topic contract: a named channel backed by a transport's topic."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, NamedTuple, Protocol

from ._vars import KT, VT
from .channels import ChannelT


class DeadLetter(NamedTuple):
    """The decode-error policy that sends the raw bytes on to another topic.

    Named so that a typo (``"skp"``) is an error, not the name of a topic nobody reads.
    """

    topic: str


DecodeErrorPolicy = Literal["raise", "skip"] | DeadLetter
"""``"raise"`` (the default), ``"skip"``, or ``DeadLetter("topic")``."""


class TopicT(ChannelT[KT, VT], Protocol[KT, VT]):
    """A channel whose name (or pattern) is shared between processes through a transport.

    Internal topics are created on ``declare`` with the partitions, replicas and config given;
    source topics (``internal=False``) are never created or altered.
    """

    @property
    def topics(self) -> Sequence[str]: ...
    @property
    def pattern(self) -> str | None: ...
    @property
    def partitions(self) -> int | None: ...
    @property
    def replicas(self) -> int | None: ...
    @property
    def retention(self) -> float | None:
        """Seconds a message is kept; None for the broker's default."""
        ...

    @property
    def compacting(self) -> bool | None: ...
    @property
    def deleting(self) -> bool | None: ...
    @property
    def config(self) -> Mapping[str, str]: ...
    @property
    def acks(self) -> bool:
        """Whether events must be acked before their offset is committed."""
        ...

    @property
    def internal(self) -> bool: ...
    @property
    def on_decode_error(self) -> DecodeErrorPolicy: ...

    def derive_topic(
        self,
        *,
        topics: Sequence[str] | None = None,
        prefix: str = "",
        suffix: str = "",
    ) -> TopicT[KT, VT]:
        """A topic like this one, renamed; settings are copied, the schema shared unmutated."""
        ...
