"""Every error the SDK raises derives from ``SDKError`` and says what was wrong and where."""

from __future__ import annotations


class SDKError(Exception):
    """Base of every error raised by the SDK."""


class UnknownCodecError(SDKError, LookupError):
    """A codec name that nothing registered."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown codec {name!r}; registered codecs: {', '.join(sorted(known))}")
        self.name = name


class EncodeError(SDKError, ValueError):
    """A value that a codec's format cannot carry without altering it."""

    def __init__(self, reason: str, *, codec: str, type_: object = None) -> None:
        what = f" as {_type_name(type_)}" if type_ is not None else ""
        super().__init__(f"codec {codec!r} cannot encode{what}: {reason}")
        self.reason = reason
        self.codec = codec
        self.type = type_


class DecodeError(SDKError, ValueError):
    """Bytes that could not be decoded.

    Says which codec, which target type and why; once the bytes are known to come from a
    message, also which topic, partition and offset (see ``at``).
    """

    part = "data"

    def __init__(
        self,
        reason: str,
        *,
        codec: str,
        type_: object = None,
        topic: str | None = None,
        partition: int | None = None,
        offset: int | None = None,
    ) -> None:
        self.reason = reason
        self.codec = codec
        self.type = type_
        self.topic = topic
        self.partition = partition
        self.offset = offset
        super().__init__(self._describe())

    def locate(self, topic: str, partition: int, offset: int) -> None:
        """Say which message the bytes came from."""
        self.topic, self.partition, self.offset = topic, partition, offset
        self.args = (self._describe(),)

    def _describe(self) -> str:
        where = ""
        if self.topic is not None:
            where = f" of topic {self.topic!r} partition {self.partition} offset {self.offset}"
        what = f" as {_type_name(self.type)}" if self.type is not None else ""
        return f"cannot decode {self.part}{where} with codec {self.codec!r}{what}: {self.reason}"


class KeyDecodeError(DecodeError):
    part = "key"


class ValueDecodeError(DecodeError):
    part = "value"


class BrokerConnectionError(SDKError, ConnectionError):
    """No broker could be reached at the addresses given: says which, and why for each."""


class AuthenticationError(BrokerConnectionError):
    """A broker was reached but the credentials or its certificate were refused."""


class UnnamedChannelError(SDKError, TypeError):
    """An in-memory channel was asked for a topic name: only topics have one."""


def _type_name(type_: object) -> str:
    if isinstance(type_, type):
        return type_.__qualname__
    return repr(type_)
