"""Transports each derived from memory:// with a single defect in its consumer groups."""

from __future__ import annotations

from sdk.impl.messages import Message
from sdk.impl.transports.memory import MemoryBroker, MemoryConsumer, _Group
from sdk.types import TP, PartitionsCallback
from tests.conformance.broken.transports import _Broken


class _SharedCommitsBroker(MemoryBroker):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.commits: dict[TP, int] = {}

    def group(self, group_id: str) -> _Group:
        group = super().group(group_id)
        group.committed = self.commits  # the defect: commits kept per topic, not per group
        return group


class SharesCommits(_Broken):
    """Keeps one committed offset per partition for every group, as if groups were one."""

    def __init__(self) -> None:
        super().__init__()
        self.broker = _SharedCommitsBroker(self.broker.name)


class _LateLettingGoConsumer(MemoryConsumer):
    def __init__(
        self,
        broker: MemoryBroker,
        group_id: str,
        on_assigned: PartitionsCallback | None,
        on_revoked: PartitionsCallback | None,
    ) -> None:
        super().__init__(broker, group_id, on_assigned, on_revoked)
        self.letting_go: frozenset[TP] = frozenset()

    def reassign(self, assignment: frozenset[TP]) -> None:
        self.letting_go |= self._assignment - assignment
        super().reassign(assignment)

    def assignment(self) -> frozenset[TP]:
        return self._assignment | self.letting_go  # the defect: held until its next poll

    async def getmany(
        self, *, timeout: float, max_records: int | None = None
    ) -> dict[TP, list[Message]]:
        self.letting_go = frozenset()
        return dict(await super().getmany(timeout=timeout, max_records=max_records))


class HoldsDuringHandOff(_Broken):
    """A member lets go of a lost partition only at its next poll, while the new owner has it."""

    consumer = _LateLettingGoConsumer


class _SilentRevokeConsumer(MemoryConsumer):
    async def _run_callbacks(self) -> None:
        self._revoked = set()  # the defect: on_revoked is never called
        await super()._run_callbacks()


class NeverRevokes(_Broken):
    """Takes partitions away without calling ``on_revoked``."""

    consumer = _SilentRevokeConsumer


class _RevokesAllConsumer(MemoryConsumer):
    def reassign(self, assignment: frozenset[TP]) -> None:
        kept = self._assignment & assignment
        super().reassign(assignment)
        self._revoked |= kept  # the defect: revokes all it held, but assigns only what is new


class RevokesWhatItKeeps(_Broken):
    """Calls ``on_revoked`` with every partition it held, ``on_assigned`` with the new only."""

    consumer = _RevokesAllConsumer


class _NoLeaveGroup(_Group):
    def leave(self, member: MemoryConsumer) -> None:
        self.members.remove(member)
        member.reassign(frozenset())  # the defect: no rebalance, the partitions stay unowned


class _NoLeaveBroker(MemoryBroker):
    def group(self, group_id: str) -> _Group:
        group = self._groups.get(group_id)
        if group is None:
            group = self._groups[group_id] = _NoLeaveGroup(self)
        return group


class OrphansOnLeave(_Broken):
    """A member that leaves takes its partitions with it: nobody is given them."""

    def __init__(self) -> None:
        super().__init__()
        self.broker = _NoLeaveBroker(self.broker.name)


class _FromTheStartConsumer(MemoryConsumer):
    def reassign(self, assignment: frozenset[TP]) -> None:
        gained = assignment - self._assignment
        super().reassign(assignment)
        for tp in gained:
            self._positions[tp] = 0  # the defect: a new partition read from its beginning


class ReadsAssignedFromStart(_Broken):
    """Reads a newly assigned partition from offset 0, not from its group's commit."""

    consumer = _FromTheStartConsumer


class _RewindingConsumer(MemoryConsumer):
    def reassign(self, assignment: frozenset[TP]) -> None:
        kept = self._assignment & assignment
        super().reassign(assignment)
        for tp in kept:
            if self._positions.get(tp, 0) > 0:
                self._positions[tp] -= 1  # the defect: a rebalance re-reads the last record


class DuplicatesOnRebalance(_Broken):
    """Reads once more the last record of every partition it keeps through a rebalance."""

    consumer = _RewindingConsumer
