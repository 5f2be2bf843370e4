"""``App``: where channels (and, through its broker, topics) are made."""

from __future__ import annotations

from sdk.impl.channel import DEFAULT_MAXSIZE, Channel
from sdk.types._vars import KT, VT
from sdk.types.codecs import CodecArg


class App:
    """Implements ``sdk.types.AppT``.

    ``broker`` is a URL whose scheme selects the transport; the default, ``memory://``, is the
    embedded one. Channels need no transport and work without starting the app.
    """

    def __init__(self, id: str = "sdk", *, broker: str = "memory://") -> None:
        if not id:
            raise ValueError("an app needs a non-empty id: it names its consumer group")
        if "://" not in broker:
            raise ValueError(
                f"broker must be a URL such as memory:// or kafka://host:port: {broker!r}"
            )
        self._id = id
        self._broker = broker

    @property
    def id(self) -> str:
        return self._id

    @property
    def broker(self) -> str:
        return self._broker

    def channel(
        self,
        *,
        key_type: type[KT] | None = None,
        value_type: type[VT] | None = None,
        key_serializer: CodecArg = None,
        value_serializer: CodecArg = None,
        allow_empty: bool = False,
        maxsize: int | None = DEFAULT_MAXSIZE,
    ) -> Channel[KT, VT]:
        """A new in-memory channel; ``value_type=Order`` makes every ``event.value`` an Order."""
        return Channel(
            key_type=key_type,
            value_type=value_type,
            key_serializer=key_serializer,
            value_serializer=value_serializer,
            allow_empty=allow_empty,
            maxsize=maxsize,
        )

    def __repr__(self) -> str:
        return f"App(id={self._id!r}, broker={self._broker!r})"
