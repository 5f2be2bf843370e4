"""The consumer: a member of a group (see ``group``) reading its partitions' streams by offset.

Positions are its own (``XREAD`` after ``0-<offset>``), not a Redis consumer group's: Kafka's
semantics are a committed offset per partition to resume from, and one reader per partition.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, cast

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError
from redis.typing import KeyT, StreamIdT

from sdk.transports import TP, CommitError, FetchError, Message, PartitionsCallback

from . import group
from .calls import call, ping
from .records import (
    TOPICS,
    RedisTransportError,
    group_key,
    message_of,
    stream_key,
    tp_field,
    tp_from_field,
)

if TYPE_CHECKING:
    from .transport import RedisTransport

MAX_RECORDS: Final = 500
SYNC_INTERVAL: Final = 0.1
"""Seconds between looks at the group (members, subscriptions, topics) while fetching."""


class RedisConsumer:
    """Implements ``sdk.types.ConsumerT``: assignment callbacks run inside ``getmany``."""

    def __init__(
        self,
        transport: RedisTransport,
        group_id: str,
        on_assigned: PartitionsCallback | None,
        on_revoked: PartitionsCallback | None,
    ) -> None:
        self._transport = transport
        self.group_id = group_id
        self.member = uuid.uuid4().hex
        self._on_assigned = on_assigned
        self._on_revoked = on_revoked
        self._client: Redis | None = None
        self._scripts: dict[str, AsyncScript] = {}
        self._subscription = group.Subscription()
        self._owned: frozenset[TP] = frozenset()
        self._positions: dict[TP, int] = {}
        self._synced_at: float | None = None
        """When the group was last looked at; ``None``: look at the next ``getmany``."""
        self._heartbeat: asyncio.Task[None] | None = None
        self._turn = 0
        self._timeout_ms = round(transport.session_timeout * 1000)

    @property
    def client(self) -> Redis:
        if self._client is None:
            raise RuntimeError(f"the consumer of group {self.group_id!r} is not started")
        return self._client

    async def start(self) -> None:
        client = self._transport.connect()
        try:
            await ping(client, self._transport.url)
        except BaseException:  # not started: nothing else will close it
            await client.aclose()
            raise
        self._client = client
        for name, body in (
            ("heartbeat", group.HEARTBEAT),
            ("sync", group.SYNC),
            ("claim", group.CLAIM),
            ("release", group.RELEASE),
            ("leave", group.LEAVE),
            ("commit", group.COMMIT),
        ):
            self._scripts[name] = client.register_script(group.script(body))
        self._heartbeat = asyncio.create_task(self._beat(), name=f"sdk_redis {self.group_id}")

    async def stop(self) -> None:
        """Give every partition back (``on_revoked`` first, as on a rebalance), leave the group."""
        if self._client is None:
            return
        heartbeat, self._heartbeat = self._heartbeat, None
        try:
            if heartbeat is not None:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat  # a heartbeat that had failed says so here
            owned, self._owned = self._owned, frozenset()
            self._positions.clear()
            if owned and self._on_revoked is not None:
                await self._on_revoked(owned)
        finally:
            try:
                await self._run("leave", "members", "subs", "owners", args=[self.member])
            finally:
                client, self._client = self._client, None
                await client.aclose()

    def subscribe(self, topics: Iterable[str] = (), *, pattern: str | None = None) -> None:
        if pattern is not None:
            re.compile(pattern)  # a bad pattern is the caller's error, raised here
        self._subscription = group.Subscription(tuple(sorted(topics)), pattern)
        self._synced_at = None

    async def getmany(
        self, *, timeout: float, max_records: int | None = None
    ) -> Mapping[TP, Sequence[Message]]:
        if self._client is None:  # not a KeyError of the scripts it registers on start
            raise RuntimeError(f"the consumer of group {self.group_id!r} is not started")
        self._check_heartbeat()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await self._sync_if_due(loop.time())
        limit = max_records or MAX_RECORDS
        batch = await self._read(limit, wait=0.0)
        while not batch and (remaining := deadline - loop.time()) > 0:
            batch = await self._read(limit, wait=min(remaining, SYNC_INTERVAL))
            if not batch:
                self._check_heartbeat()
                await self._sync_if_due(loop.time())
                batch = await self._read(limit, wait=0.0)
        return batch

    def assignment(self) -> frozenset[TP]:
        return self._owned

    async def commit(self, offsets: Mapping[TP, int]) -> None:
        for tp, offset in offsets.items():
            if offset < 0:
                raise ValueError(f"cannot commit offset {offset} for {tp}: offsets start at 0")
        if not offsets:
            return
        try:
            refused = await self._script(
                "commit",
                "members",
                "owners",
                "offsets",
                args=[self.member, *group.field_pairs(offsets)],
            )
        except (RedisError, OSError) as exc:
            raise CommitError(
                f"member {self.member}: {exc}", group=self.group_id, partitions=offsets
            ) from exc
        if refused:
            field, owner = (_text(part) for part in refused)
            raise CommitError(
                f"member {owner} owns it now, not member {self.member} (which missed its "
                f"heartbeats for {self._transport.session_timeout} s)",
                group=self.group_id,
                partitions=[tp_from_field(field)],
            )

    async def committed(self, tp: TP) -> int | None:
        try:
            found = await call(self.client.hget(group_key(self.group_id, "offsets"), tp_field(tp)))
        except (RedisError, OSError) as exc:
            doing = "reading the committed offset of"
            raise CommitError(str(exc), group=self.group_id, partitions=[tp], doing=doing) from exc
        return None if found is None else int(found)

    def seek(self, tp: TP, offset: int) -> None:
        if tp not in self._owned:
            raise ValueError(f"{tp} is not assigned to this consumer of {self.group_id!r}")
        if offset < 0:
            raise ValueError(f"cannot seek {tp} to offset {offset}: offsets start at 0")
        self._positions[tp] = offset

    # -- the group -------------------------------------------------------------------------

    async def _sync_if_due(self, now: float) -> None:
        if self._synced_at is None or now - self._synced_at >= SYNC_INTERVAL:
            self._synced_at = now
            await self._sync()

    async def _sync(self) -> None:
        """Look at the group, give up what is no longer this member's, claim what is."""
        members_, subscriptions_, owners_, topics_ = await self._run(
            "sync",
            "members",
            "subs",
            "owners",
            topics=True,
            args=[self.member, self._timeout_ms, self._subscription.encode()],
        )
        members = [_text(m) for m in members_]
        subscriptions = {
            member: group.Subscription() if raw is None else group.Subscription.decode(raw)
            for member, raw in zip(members, subscriptions_, strict=True)
        }
        owners = {tp_from_field(f): _text(o) for f, o in _pairs(owners_)}
        topics = {_text(t): int(n) for t, n in _pairs(topics_)}
        target = group.assign(members, subscriptions, topics).get(self.member, frozenset())
        still_mine = {tp for tp in target if owners.get(tp) == self.member}
        lost = self._owned - still_mine
        if lost:
            self._owned -= lost
            for tp in lost:
                self._positions.pop(tp, None)
            if self._on_revoked is not None:
                await self._on_revoked(lost)
            await self._run(
                "release", "members", "owners", args=[self.member, *map(tp_field, lost)]
            )
        wanted = target - self._owned
        if wanted:
            claimed_ = await self._run(
                "claim",
                "members",
                "owners",
                "offsets",
                args=[self.member, *map(tp_field, sorted(wanted))],
            )
            claimed = {tp_from_field(f): _text(o) for f, o in _pairs(claimed_)}
            if claimed:
                self._owned |= claimed.keys()
                for tp, committed in claimed.items():
                    self._positions[tp] = int(committed) if committed else 0
                if self._on_assigned is not None:
                    await self._on_assigned(frozenset(claimed))
            if len(claimed) < len(wanted):
                self._synced_at = None  # others still give theirs up: look again soon

    async def _beat(self) -> None:
        """Keep the membership alive while the application is busy between fetches."""
        while True:
            await asyncio.sleep(self._transport.session_timeout / 5)
            await self._run("heartbeat", "members", args=[self.member, self._timeout_ms])

    def _check_heartbeat(self) -> None:
        """A heartbeat that failed is raised to the one who fetches, not lost in a task."""
        heartbeat = self._heartbeat
        if heartbeat is not None and heartbeat.done():
            self._heartbeat = None
            error = heartbeat.exception()
            raise RedisTransportError(
                f"the heartbeat of group {self.group_id!r} member {self.member} stopped: {error!r}"
            ) from error

    async def _run(self, name: str, *parts: str, topics: bool = False, args: list[Any]) -> Any:
        """Run a group script; Redis failing it is the group's error, naming the member."""
        try:
            return await self._script(name, *parts, topics=topics, args=args)
        except (RedisError, OSError) as exc:
            raise RedisTransportError(
                f"{name} of group {self.group_id!r} member {self.member} failed: {exc}"
            ) from exc

    async def _script(self, name: str, *parts: str, topics: bool = False, args: list[Any]) -> Any:
        keys = group.keys(self.group_id, *parts) + ([TOPICS] if topics else [])
        return await call(self._scripts[name](keys=keys, args=args))

    # -- fetching --------------------------------------------------------------------------

    async def _read(self, limit: int, *, wait: float) -> dict[TP, list[Message]]:
        """What follows each position, ``limit`` in all; waits up to ``wait`` s for the first."""
        if not self._owned:
            if wait > 0:
                await asyncio.sleep(wait)
            return {}
        order = sorted(self._owned)
        self._turn = (self._turn + 1) % len(order)
        order = order[self._turn :] + order[: self._turn]  # no partition always comes first
        streams: dict[KeyT, StreamIdT] = {
            stream_key(*tp): f"0-{self._positions.get(tp, 0)}" for tp in order
        }
        by_stream = {stream_key(*tp).encode(): tp for tp in order}
        block = max(1, round(wait * 1000)) if wait > 0 else None
        try:
            replies = await call(self.client.xread(streams, count=limit, block=block))
        except (RedisError, OSError) as exc:
            raise FetchError(str(exc), group=self.group_id, partitions=self._owned) from exc
        got = {by_stream[stream]: entries for stream, entries in _streams(replies)}
        batch: dict[TP, list[Message]] = {}
        for tp in order:
            if limit <= 0:
                break
            entries = got.get(tp, [])[:limit]
            if entries:
                messages = [message_of(tp, entry_id, fields) for entry_id, fields in entries]
                batch[tp] = messages
                limit -= len(messages)
                self._positions[tp] = messages[-1].offset + 1
        return batch


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


def _pairs(flat: Sequence[Any]) -> Iterable[tuple[Any, Any]]:
    return zip(flat[::2], flat[1::2], strict=True)


Entries = list[tuple[bytes, dict[bytes, bytes]]]


def _streams(replies: object) -> list[tuple[bytes, Entries]]:
    """``XREAD``'s answer as RESP2 shapes it (the client speaks RESP2): per stream, its entries."""
    if not replies:
        return []
    if not isinstance(replies, list):
        raise RedisTransportError(f"XREAD answered a {type(replies).__name__}, not RESP2's list")
    return [(stream, entries) for stream, entries in cast("list[tuple[bytes, Entries]]", replies)]
