"""``redis://[user:password@]host:port[/db][?session_timeout=SECONDS]``: the transport itself.

The entry point ``redis = "sdk_redis:RedisTransport"`` makes ``App(broker="redis://...")`` find
this class: the SDK calls it with the URL and gets a ``TransportT``.
"""

from __future__ import annotations

from typing import Final, NamedTuple
from urllib.parse import parse_qsl, unquote, urlsplit

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from sdk.transports import EVERY_CAPABILITY, Capability, PartitionsCallback, redact

from .consumer import RedisConsumer
from .producer import RedisProducer

CAPABILITIES: Final[frozenset[Capability]] = EVERY_CAPABILITY - {"transactions"}
"""All but ``transactions``, each implemented here and run by the conformance kit (see the
README)."""
SESSION_TIMEOUT: Final = 10.0
"""Seconds a consumer that stopped heartbeating (its process died) keeps its partitions."""
MIN_SESSION_TIMEOUT: Final = 0.5
"""Heartbeats go every fifth of the session timeout: shorter would be mostly heartbeats."""
DEFAULT_PORT: Final = 6379
RETRIES: Final = 3


class Address(NamedTuple):
    """Where the Redis server is, and who to be there: what a ``redis://`` URL says."""

    host: str
    port: int
    db: int
    username: str | None
    password: str | None


def parse_url(url: str) -> tuple[Address, float]:
    """The server's address and the session timeout, from a ``redis://`` URL."""
    parts = urlsplit(url)
    if parts.scheme != "redis":
        raise ValueError(f"not a redis:// URL: {redact(url)!r}")
    if not parts.hostname:
        raise ValueError(f"a redis:// URL names a host: {redact(url)!r}")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise ValueError(f"the port of {redact(url)!r} is not a number") from None
    db = parts.path.strip("/") or "0"
    if not db.isdigit():
        raise ValueError(f"the path of a redis:// URL is a database number, not {db!r}")
    session_timeout = SESSION_TIMEOUT
    for name, value in parse_qsl(parts.query, strict_parsing=False):
        if name != "session_timeout":
            raise ValueError(f"unknown redis:// setting {name!r}; known: session_timeout")
        try:
            session_timeout = float(value)
        except ValueError:
            raise ValueError(f"session_timeout is seconds, not {value!r}") from None
        if not session_timeout >= MIN_SESSION_TIMEOUT:
            raise ValueError(f"session_timeout is at least {MIN_SESSION_TIMEOUT} s, not {value}")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return Address(parts.hostname, port, int(db), username, password), session_timeout


class RedisTransport:
    """Implements ``sdk.types.TransportT`` on Redis Streams."""

    def __init__(self, url: str) -> None:
        self._address, self.session_timeout = parse_url(url)
        self._url = redact(url)

    @property
    def url(self) -> str:
        return self._url

    @property
    def capabilities(self) -> frozenset[Capability]:
        return CAPABILITIES

    def connect(self) -> Redis:
        """A client of its own for each producer and consumer: a blocking read holds one.

        RESP2, so that replies have the one shape the code reads. A command that cannot reach
        the server is retried RETRIES times within about a second, then fails.
        """
        host, port, db, username, password = self._address
        return Redis(
            host=host,
            port=port,
            db=db,
            username=username,
            password=password,
            protocol=2,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), RETRIES),
        )

    def create_producer(self) -> RedisProducer:
        return RedisProducer(self)

    def create_consumer(
        self,
        group_id: str,
        *,
        on_assigned: PartitionsCallback | None = None,
        on_revoked: PartitionsCallback | None = None,
    ) -> RedisConsumer:
        if not group_id:
            raise ValueError("a consumer needs a non-empty group_id")
        return RedisConsumer(self, group_id, on_assigned, on_revoked)

    def __repr__(self) -> str:
        return f"<RedisTransport {self._url}>"
