"""Kafka's TxnOffsetCommit at version 3 (KIP-447), for aiokafka's transactional producer.

aiokafka 0.14 sends a transaction's offsets at version 0, which names the group but not the
member: the group coordinator takes them from any producer, so a member that lost its
partitions in a rebalance (a zombie) could still commit over its successor's work. Version 3
adds the member id and the group's generation, and the coordinator refuses a stale one
(``ILLEGAL_GENERATION``, ``UNKNOWN_MEMBER_ID``). ``use_version_3`` makes one producer send that
version: its sender builds this request instead of aiokafka's, for the group metadata the
caller gave with the offsets.

aiokafka's sender is not a public API: ``aiokafka>=0.14,<0.15`` is required for it.
"""

from __future__ import annotations

import collections
from typing import Any, Final

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.client import CoordinationType
from aiokafka.errors import GroupAuthorizationFailedError, for_code
from aiokafka.producer.sender import Sender, TxnOffsetCommitHandler
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.types import (
    CompactArray,
    CompactString,
    Int16,
    Int32,
    Int64,
    Schema,
    TaggedFields,
)

from sdk.types.transports import GroupMetadata

_NO_LEADER_EPOCH: Final = -1
_REFUSED_MEMBER: Final = frozenset({22, 25, 82})
"""ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID: the member is not the group's."""


class _ResponseV3(Response):
    API_KEY = 28
    API_VERSION = 3
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        (
            "topics",
            CompactArray(
                ("name", CompactString("utf-8")),
                (
                    "partitions",
                    CompactArray(
                        ("partition", Int32), ("error_code", Int16), ("tags", TaggedFields)
                    ),
                ),
                ("tags", TaggedFields),
            ),
        ),
        ("tags", TaggedFields),
    )


class _RequestV3(RequestStruct):
    API_KEY = 28
    API_VERSION = 3
    FLEXIBLE_VERSION = True
    RESPONSE_TYPE = _ResponseV3
    SCHEMA = Schema(
        ("transactional_id", CompactString("utf-8")),
        ("group_id", CompactString("utf-8")),
        ("producer_id", Int64),
        ("producer_epoch", Int16),
        ("generation_id", Int32),
        ("member_id", CompactString("utf-8")),
        ("group_instance_id", CompactString("utf-8")),
        (
            "topics",
            CompactArray(
                ("name", CompactString("utf-8")),
                (
                    "partitions",
                    CompactArray(
                        ("partition", Int32),
                        ("offset", Int64),
                        ("leader_epoch", Int32),
                        ("metadata", CompactString("utf-8")),
                        ("tags", TaggedFields),
                    ),
                ),
                ("tags", TaggedFields),
            ),
        ),
        ("tags", TaggedFields),
    )


class _Request(Request[_RequestV3]):
    API_KEY = 28

    def __init__(self, fields: tuple[Any, ...]) -> None:
        self._fields = fields

    def build(self, request_struct_class: type[_RequestV3]) -> _RequestV3:
        return request_struct_class(*self._fields)


class RefusedMember(Exception):
    """The group coordinator refused a transaction's offsets: the member is not the group's
    at that generation. Carries the broker's error; the transaction can only be aborted."""

    def __init__(self, refused: Exception, metadata: GroupMetadata) -> None:
        super().__init__(
            f"{refused}: member {metadata.member_id!r} of generation {metadata.generation} "
            "is not in the group now (a zombie)"
        )
        self.refused = refused


class _Handler(TxnOffsetCommitHandler):
    """aiokafka's handler, sending version 3 and failing the transaction on a stale member."""

    def __init__(self, sender: _Sender, offsets: Any, group_id: str) -> None:
        super().__init__(sender, offsets, group_id)
        self._metadata = sender.metadata[group_id]

    def create_request(self) -> _Request:
        txn = self._sender._txn_manager
        topics: dict[str, list[tuple[Any, ...]]] = collections.defaultdict(list)
        for tp, offset in sorted(self._offsets.items()):
            topics[tp.topic].append(
                (tp.partition, offset.offset, _NO_LEADER_EPOCH, offset.metadata, {})
            )
        return _Request(
            (
                txn.transactional_id,
                self._group_id,
                txn.producer_id,
                txn.producer_epoch,
                self._metadata.generation,
                self._metadata.member_id,
                None,
                [(topic, partitions, {}) for topic, partitions in topics.items()],
                {},
            )
        )

    def handle_response(self, resp: Any) -> float | None:
        for _name, partitions, _tags in resp.topics:
            for _partition, code, _ in partitions:
                if code in _REFUSED_MEMBER:  # aiokafka would end its sender on these
                    refused = RefusedMember(for_code(code)(), self._metadata)
                    txn = self._sender._txn_manager
                    txn.error_transaction(refused)  # fails the offsets' future, and the
                    txn._transaction_waiter.exception()  # commit's: the caller aborts, not commits
                    return None
        # aiokafka's handling of every other code, on the shape it reads
        resp.errors = [
            (name, [(p, code) for p, code, _ in partitions]) for name, partitions, _ in resp.topics
        ]
        backoff: float | None = super().handle_response(resp)
        return backoff


class _Sender(Sender):
    """aiokafka's sender, committing a transaction's offsets with ``_Handler``."""

    metadata: dict[str, GroupMetadata]

    async def _do_txn_offset_commit(self, offsets: Any, group_id: str) -> None:
        if not offsets:
            return
        try:
            node_id = await self._find_coordinator(CoordinationType.GROUP, group_id)
        except GroupAuthorizationFailedError as exc:
            self._txn_manager.error_transaction(exc)
            return
        await _Handler(self, offsets, group_id).do(node_id)


def use_version_3(producer: AIOKafkaProducer) -> None:
    """Make ``producer``'s transactions send their offsets at version 3."""
    sender = producer._sender
    sender.__class__ = _Sender  # its own state stays; only how it commits offsets changes
    assert isinstance(sender, _Sender)
    sender.metadata = {}


async def send_offsets(
    producer: AIOKafkaProducer, offsets: dict[TopicPartition, int], metadata: GroupMetadata
) -> None:
    """aiokafka's ``send_offsets_to_transaction``, in ``metadata``'s name."""
    sender = producer._sender
    assert isinstance(sender, _Sender), "use_version_3(producer) first"
    sender.metadata[metadata.group_id] = metadata
    await producer.send_offsets_to_transaction(offsets, metadata.group_id)
