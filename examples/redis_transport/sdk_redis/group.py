"""Consumer groups: who is alive, who reads which partition, and the offsets they committed.

Members heartbeat into a sorted set (member -> expiry, by Redis's clock) and store their
subscriptions in a hash. Every member computes the same assignment from that state (``assign``)
and takes only what it is assigned: it gives a partition up (after ``on_revoked``, where the SDK
commits) before another member may claim it, so two live members never read one partition.
A commit by a member that no longer owns the partition fails, as Kafka fences a stale member.
Each script below runs atomically in Redis, on one consistent view.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

import msgspec

from sdk.transports import TP

from .records import group_key, tp_field

_NOW: Final = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local function alive(member)
    local expiry = redis.call('ZSCORE', KEYS[1], member)
    return expiry and tonumber(expiry) > now
end
"""
"""Milliseconds by Redis's clock, and whether a member heartbeat recently: every script's start.
Every script has the group's ``members`` as ``KEYS[1]``."""

HEARTBEAT: Final = """
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
"""

SYNC: Final = """
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
if #dead > 0 then
    redis.call('ZREM', KEYS[1], unpack(dead))
    redis.call('HDEL', KEYS[2], unpack(dead))
end
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
local subscriptions = {}
if #members > 0 then
    subscriptions = redis.call('HMGET', KEYS[2], unpack(members))
end
return {members, subscriptions, redis.call('HGETALL', KEYS[3]), redis.call('HGETALL', KEYS[4])}
"""
"""Heartbeat, store the subscription, drop the dead; the members, their subscriptions, the
owners and the topics. KEYS: members, subs, owners, topics; ARGV: member, timeout ms, subscription.
"""

CLAIM: Final = """
local claimed = {}
for i = 2, #ARGV do
    local owner = redis.call('HGET', KEYS[2], ARGV[i])
    if not owner or owner == ARGV[1] or not alive(owner) then
        redis.call('HSET', KEYS[2], ARGV[i], ARGV[1])
        claimed[#claimed + 1] = ARGV[i]
        claimed[#claimed + 1] = redis.call('HGET', KEYS[3], ARGV[i]) or ''
    end
end
return claimed
"""
"""Take each partition nobody alive owns; for each taken, its committed offset ('' if none).
KEYS: members, owners, offsets; ARGV: member, partition fields."""

RELEASE: Final = """
for i = 2, #ARGV do
    if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[1] then
        redis.call('HDEL', KEYS[2], ARGV[i])
    end
end
"""
"""Give up partitions this member owns. KEYS: members, owners; ARGV: member, partition fields."""

LEAVE: Final = """
local owners = redis.call('HGETALL', KEYS[3])
for i = 1, #owners, 2 do
    if owners[i + 1] == ARGV[1] then
        redis.call('HDEL', KEYS[3], owners[i])
    end
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
"""
"""Give up every partition and leave. KEYS: members, subs, owners; ARGV: member."""

COMMIT: Final = """
for i = 2, #ARGV, 2 do
    local owner = redis.call('HGET', KEYS[2], ARGV[i])
    if owner and owner ~= ARGV[1] and alive(owner) then
        return {ARGV[i], owner}
    end
end
redis.call('HSET', KEYS[3], unpack(ARGV, 2))
return {}
"""
"""Store offsets unless another live member owns one of the partitions: then that one, and its
owner. KEYS: members, owners, offsets; ARGV: member, then partition field and offset pairs."""


def script(body: str) -> str:
    return _NOW + body


class Subscription(msgspec.Struct, frozen=True):
    """What one member reads: these topics, and every topic the pattern fully matches."""

    topics: tuple[str, ...] = ()
    pattern: str | None = None

    def encode(self) -> bytes:
        return msgspec.json.encode(self)

    @classmethod
    def decode(cls, raw: bytes) -> Subscription:
        return msgspec.json.decode(raw, type=cls)

    def wants(self, topic: str) -> bool:
        return topic in self.topics or (
            self.pattern is not None and re.fullmatch(self.pattern, topic) is not None
        )  # re keeps the compiled patterns: there are few


def assign(
    members: Sequence[str], subscriptions: Mapping[str, Subscription], topics: Mapping[str, int]
) -> dict[str, frozenset[TP]]:
    """Deal out every partition of every topic to the members subscribed to it, in turn.

    The turn carries on from topic to topic, so many small topics spread out too. Every member
    computes this from the same state and gets the same answer.
    """
    shares: dict[str, set[TP]] = {member: set() for member in members}
    turn = 0
    for topic in sorted(topics):
        readers = [m for m in sorted(members) if subscriptions.get(m, _NOTHING).wants(topic)]
        if not readers:
            continue
        for partition in range(topics[topic]):
            shares[readers[turn % len(readers)]].add(TP(topic, partition))
            turn += 1
    return {member: frozenset(share) for member, share in shares.items()}


_NOTHING: Final = Subscription()


def keys(group_id: str, *parts: str) -> list[str]:
    return [group_key(group_id, part) for part in parts]


def field_pairs(offsets: Mapping[TP, int]) -> Iterable[str | int]:
    for tp, offset in offsets.items():
        yield tp_field(tp)
        yield offset
