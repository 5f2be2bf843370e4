"""Transports derived from memory:// with one defect that an app on top of them shows."""

from __future__ import annotations

from sdk.impl.transports.memory import MemoryBroker, MemoryConsumer, _Group
from sdk.types import TP
from tests.conformance.broken.transports import _Broken, _BufferingProducer


class _EveryoneGroup(_Group):
    def rebalance(self) -> None:
        for member in self.members:  # the defect: every member is dealt every partition
            member.reassign(
                frozenset(
                    TP(topic, partition)
                    for topic, log in self.broker.logs.items()
                    if member.wants(topic)
                    for partition in range(len(log))
                )
            )
        self.broker.wake()


class _EveryoneBroker(MemoryBroker):
    def group(self, group_id: str) -> _Group:
        group = self._groups.get(group_id)
        if group is None:
            group = self._groups[group_id] = _EveryoneGroup(self)
        return group


class SharesEveryPartition(_Broken):
    """A group gives each of its members every partition: two apps of one id both read all."""

    def __init__(self) -> None:
        super().__init__()
        self.broker = _EveryoneBroker(self.broker.name)


class _UnflushedDropper(_BufferingProducer):
    async def flush(self) -> None:
        """The first defect: returns with the buffer unsent."""

    async def stop(self) -> None:
        self.buffer.clear()  # the second: what is buffered is thrown away, its acks never done


class DropsUnflushedOnStop(_Broken):
    """Buffers sends; ``flush`` returns before they are sent and ``stop`` drops them: an app
    that stops right after sending loses what it did not wait for."""

    producer = _UnflushedDropper


class _ForgetfulGroup(_Group):
    def leave(self, member: MemoryConsumer) -> None:
        super().leave(member)
        if not self.members:
            self.committed.clear()  # the defect: an empty group's commits go at once


class _ForgetfulBroker(MemoryBroker):
    def group(self, group_id: str) -> _Group:
        group = self._groups.get(group_id)
        if group is None:
            group = self._groups[group_id] = _ForgetfulGroup(self)
        return group


class ForgetsCommitsOfEmptyGroups(_Broken):
    """Drops a group's commits as its last member leaves (Kafka keeps them for days): an app
    that stops and starts again reads everything again."""

    def __init__(self) -> None:
        super().__init__()
        self.broker = _ForgetfulBroker(self.broker.name)
