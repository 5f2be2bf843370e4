"""Transports each derived from memory:// with a single defect in its transactions."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sdk.impl.messages import Message
from sdk.impl.transports.memory import (
    MemoryBroker,
    MemoryConsumer,
    MemoryTransport,
    ReadCommittedConsumer,
    TransactionalProducer,
    _Coordinator,
)
from sdk.types import TP, GroupMetadata, IsolationLevel, PartitionsCallback


class _BrokenTransactions(MemoryTransport):
    """A memory:// transport on a broker of its own, whose coordinator is ``coordinator``."""

    coordinator: type[_Coordinator] = _Coordinator

    def __init__(self) -> None:
        super().__init__(f"memory://broken-{uuid.uuid4().hex}")
        self.broker.transactions = self.coordinator(self.broker)


class _OffsetsOnAbort(_Coordinator):
    def _end(self, transactional_id: str, *, commit: bool) -> None:
        txn = self.open.get(transactional_id)
        if txn is not None and not commit:  # the defect: an abort commits the offsets too
            for group_id, offsets in txn.offsets.items():
                self.broker.group(group_id).committed.update(offsets)
        super()._end(transactional_id, commit=commit)


class CommitsOffsetsOnAbort(_BrokenTransactions):
    """Commits the offsets sent with a transaction that aborts."""

    coordinator = _OffsetsOnAbort


class _OffsetsAtOnce(_Coordinator):
    def begin(self, transactional_id: str, epoch: int) -> None:
        super().begin(transactional_id, epoch)
        self.open[transactional_id].offsets = _Committing(self.broker)


class _Committing(dict[str, dict[TP, int]]):
    """Offsets per group that commit as they are added: before the transaction does."""

    def __init__(self, broker: MemoryBroker) -> None:
        super().__init__()
        self.broker = broker

    def setdefault(self, group_id: str, default: dict[TP, int] | None = None) -> dict[TP, int]:
        return self.broker.group(group_id).committed  # the defect: straight to the group


class CommitsOffsetsAtOnce(_BrokenTransactions):
    """Commits offsets as they are sent to the transaction, not when it commits."""

    coordinator = _OffsetsAtOnce


class _NoFencing(_Coordinator):
    def register(self, transactional_id: str) -> int:
        return self.epochs.setdefault(transactional_id, 0)  # the defect: no new epoch, no abort


class NeverFences(_BrokenTransactions):
    """Lets two producers with one transactional id both go on: the zombie is not fenced."""

    coordinator = _NoFencing


class _PastOpen(_Coordinator):
    def stable_end(self, tp: TP, end: int) -> int:
        return end  # the defect: a read_committed reader reads past an open transaction


class ReadsPastOpen(_BrokenTransactions):
    """Reads committed records that follow a transaction still open."""

    coordinator = _PastOpen


class _AbortedVisibleConsumer(ReadCommittedConsumer):
    def _take(self, limit: int) -> dict[TP, list[Message]]:
        self.broker.transactions.aborted.clear()  # the defect: aborted records are shown
        return super()._take(limit)


class ShowsAborted(MemoryTransport):
    """A read_committed reader reads the records of aborted transactions."""

    def __init__(self) -> None:
        super().__init__(f"memory://broken-{uuid.uuid4().hex}")

    def create_consumer(
        self,
        group_id: str,
        *,
        on_assigned: PartitionsCallback | None = None,
        on_revoked: PartitionsCallback | None = None,
        isolation_level: IsolationLevel = "read_uncommitted",
    ) -> MemoryConsumer:
        if isolation_level == "read_committed":
            return _AbortedVisibleConsumer(self.broker, group_id, on_assigned, on_revoked)
        return super().create_consumer(group_id, on_assigned=on_assigned, on_revoked=on_revoked)


class _AnyMember(TransactionalProducer):
    async def send_offsets_to_transaction(
        self, offsets: Mapping[TP, int], group_metadata: GroupMetadata
    ) -> None:
        txn = self._required("sending offsets to")  # the defect: no check of the member
        txn.offsets.setdefault(group_metadata.group_id, {}).update(offsets)


class TakesZombieOffsets(MemoryTransport):
    """Commits offsets sent in the name of a member no longer in the group (KIP-447's hole)."""

    def __init__(self) -> None:
        super().__init__(f"memory://broken-{uuid.uuid4().hex}")

    def create_transactional_producer(self, transactional_id: str) -> TransactionalProducer:
        return _AnyMember(self.broker, transactional_id)


class _BeginsTwice(TransactionalProducer):
    async def begin(self) -> None:
        if self._open("beginning") is None:  # the defect: a second begin is let through
            await super().begin()


class BeginsTwice(MemoryTransport):
    """Lets ``begin`` through with a transaction open, as if it were the first."""

    def __init__(self) -> None:
        super().__init__(f"memory://broken-{uuid.uuid4().hex}")

    def create_transactional_producer(self, transactional_id: str) -> TransactionalProducer:
        return _BeginsTwice(self.broker, transactional_id)
