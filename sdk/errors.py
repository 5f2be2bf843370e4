"""Every error the SDK raises derives from ``SDKError`` and says what was wrong and where."""

from __future__ import annotations

from collections.abc import Iterable

from sdk.types.messages import TP


class SDKError(Exception):
    """Base of every error raised by the SDK."""


class UnknownCodecError(SDKError, LookupError):
    """A codec name that nothing registered."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown codec {name!r}; registered codecs: {', '.join(sorted(known))}")
        self.name = name


class EncodeError(SDKError, ValueError):
    """A value that a codec's format cannot carry without altering it, or of the wrong type.

    Says which codec, which declared type (if any), why, and where in the value (``path``, as
    msgspec names fields: ``$.tags``, ``$[3].when``); once the sender knows, also where it was
    going (see ``locate``). ``untyped`` marks a value refused only because no type is declared:
    untyped ``loads`` would give it back as something else, and a declared type would carry it.
    """

    part = "data"

    def __init__(
        self,
        reason: str,
        *,
        codec: str,
        type_: object = None,
        path: str | None = None,
        untyped: bool = False,
        where: str | None = None,
    ) -> None:
        self.reason = reason
        self.codec = codec
        self.type = type_
        self.path = path
        self.untyped = untyped
        self.where = where
        super().__init__(self._describe())

    def locate(self, where: str) -> None:
        """Say where the value was going: a phrase such as ``"topic 'orders'"``."""
        self.where = where
        self.args = (self._describe(),)

    def _describe(self) -> str:
        where = f" for {self.where}" if self.where is not None else ""
        what = f" as {_type_name(self.type)}" if self.type is not None else ""
        at = f" (at `{self.path}`)" if self.path is not None else ""
        hint = ""
        if self.untyped:
            hint = (
                f"; declare {self.part}_type to carry it"
                if self.part in ("key", "value")
                else "; a declared type carries it (a schema's type, or codec.encoder(type_))"
            )
        return (
            f"cannot encode {self.part}{where} with codec {self.codec!r}{what}: "
            f"{self.reason}{at}{hint}"
        )


class KeyEncodeError(EncodeError):
    part = "key"


class ValueEncodeError(EncodeError):
    part = "value"


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


class TransportError(SDKError):
    """A transport could not do what it was asked: says what, on which topic or group, and why.

    What a transport raises to its caller when the broker, or the way to it, fails or refuses;
    the client library's own error, if there was one, is the ``__cause__``. Raised as itself
    only where no subclass fits. Arguments that no broker could take (a message with neither
    key nor value, a negative offset) are a ``ValueError`` instead, raised before anything is
    sent: retrying them cannot help, and they are not the broker's to answer.
    """


class BrokerConnectionError(TransportError, ConnectionError):
    """No broker could be reached at the addresses given: says which, and why for each."""


class AuthenticationError(BrokerConnectionError):
    """A broker was reached but the credentials or its certificate were refused."""


class SendError(TransportError):
    """A message the broker did not take: names the topic, and the partition once known.

    A partition the topic does not have is one: how many a topic has is the broker's to say.
    """

    def __init__(self, reason: str, *, topic: str, partition: int | None = None) -> None:
        where = f"topic {topic!r}" + (f" partition {partition}" if partition is not None else "")
        super().__init__(f"sending to {where} failed: {reason}")
        self.reason = reason
        self.topic = topic
        self.partition = partition


class TopicError(TransportError):
    """A topic that could not be created, or whose partitions could not be looked up."""

    def __init__(self, reason: str, *, topic: str, doing: str = "creating") -> None:
        super().__init__(f"{doing} topic {topic!r} failed: {reason}")
        self.reason = reason
        self.topic = topic


class FetchError(TransportError):
    """Messages that could not be fetched: names the group and the partitions it reads."""

    def __init__(self, reason: str, *, group: str, partitions: Iterable[TP] = ()) -> None:
        self.partitions = frozenset(partitions)
        what = _partitions(self.partitions) or "messages"
        super().__init__(f"fetching {what} for group {group!r} failed: {reason}")
        self.reason = reason
        self.group = group


class CommitError(TransportError):
    """Offsets that could not be committed, or read back: names the group and the partitions."""

    def __init__(
        self,
        reason: str,
        *,
        group: str,
        partitions: Iterable[TP] = (),
        doing: str = "committing offsets of",
    ) -> None:
        self.partitions = frozenset(partitions)
        what = _partitions(self.partitions) or "no partition"
        super().__init__(f"{doing} {what} for group {group!r} failed: {reason}")
        self.reason = reason
        self.group = group


class TransactionError(TransportError):
    """A transaction that could not be begun, committed or aborted, or a send outside one:
    names the transactional id and what was being done."""

    def __init__(self, reason: str, *, transactional_id: str, doing: str = "committing") -> None:
        super().__init__(f"{doing} a transaction of {transactional_id!r} failed: {reason}")
        self.reason = reason
        self.transactional_id = transactional_id


class FencedError(TransactionError):
    """A zombie: a newer producer started with the same transactional id, so this one may
    neither send nor commit again, and its open transaction was aborted. Stop it; the newer
    one carries on."""

    def __init__(self, *, transactional_id: str, doing: str = "committing") -> None:
        super().__init__(
            "a newer producer with the same transactional id fenced this one",
            transactional_id=transactional_id,
            doing=doing,
        )


class UnknownTransportError(TransportError, LookupError, ValueError):
    """A broker URL whose scheme no transport is registered for, in this process or by entry
    point; lists every scheme that could be loaded.

    A ``LookupError`` like ``UnknownCodecError``; a ``ValueError`` as well, which is what an
    unknown scheme raised before this class existed.
    """

    def __init__(self, url: str, *, scheme: str, known: Iterable[str]) -> None:
        self.url = url
        self.scheme = scheme
        self.known = sorted(set(known))
        schemes = ", ".join(f"{name}://" for name in self.known)
        what = f"nothing is registered for {scheme!r}" if scheme else "it names no scheme"
        super().__init__(f"no transport for {url!r}: {what}; known schemes are {schemes}")


class UnnamedChannelError(SDKError, TypeError):
    """An in-memory channel was asked for a topic name: only topics have one."""


def _partitions(tps: frozenset[TP]) -> str:
    """``topic 'a' partitions 0, 1; topic 'b' partition 3``: each topic once, in order."""
    by_topic: dict[str, list[int]] = {}
    for topic, partition in sorted(tps):
        by_topic.setdefault(topic, []).append(partition)
    return "; ".join(
        f"topic {topic!r} partition{'s' if len(ps) > 1 else ''} {', '.join(map(str, ps))}"
        for topic, ps in by_topic.items()
    )


def _type_name(type_: object) -> str:
    if isinstance(type_, type):
        return type_.__qualname__
    return repr(type_)
