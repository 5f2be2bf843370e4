"""Verdicts on the mutants that survive the kit, per file (its path here), by ``Mutant.key``.

``EQUIVALENT``: the mutant behaves as the contract allows, so no clause can kill it; the why
names the freedom the contract leaves. ``GAPS``: the mutant breaks a promise no clause checks
yet; the note names the clause that would kill it. A survivor in neither is *not judged*: the
report lists it, so that a new one is seen. Verdicts are judged on the long profile.
"""

from __future__ import annotations

from typing import Final

_LEAK = "only the list of waiters grows: a settled waiter is never awaited again"
_EMPTY_TAKE = "with nothing left of the limit every slice is empty: the same batch"

MEMORY: Final = "sdk/impl/transports/memory.py"

EQUIVALENT: Final[dict[str, dict[str, str]]] = {
    MEMORY: {
        "<module>: MAX_RECORDS: Final = 500 -> MAX_RECORDS: Final = 501": (
            "how many records a getmany without max_records returns is the transport's to choose"
        ),
        "MemoryBroker.__init__: self.name = name -> pass": "an attribute no part of the SPI reads",
        "MemoryBroker.create_topic: self.settings[topic] = settings -> pass": (
            "memory://'s own record of the settings, for its tests; the SPI never reads it back"
        ),
        "MemoryBroker.append: if topic not in self.logs: -> pass": (
            "create_topic leaves an existing topic alone, so calling it always changes nothing"
        ),
        "MemoryBroker.wait: timer.cancel() -> pass": "the timer settles a settled waiter: no-op",
        "MemoryBroker.wait: if waiter in self._waiters: -> pass": _LEAK,
        "MemoryBroker.wait: self._waiters.remove(waiter) -> pass": _LEAK,
        "MemoryTransport.__repr__: return f'<MemoryTransport {self._url}>' -> return None": (
            "repr is not part of the SPI"
        ),
        "MemoryConsumer.stop: await self._run_callbacks() -> pass": (
            "ConsumerT.stop runs on_revoked first only 'where the transport runs it'"
        ),
        "MemoryConsumer.getmany: if not batch and timeout > 0: -> if not batch and timeout >= 0:": (
            "waiting 0 s is returning at once"
        ),
        "MemoryConsumer._take: if limit <= 0: -> pass": _EMPTY_TAKE,
        "MemoryConsumer._take: if limit <= 0: -> if limit < 0:": _EMPTY_TAKE,
        "MemoryConsumer._take: break -> continue": _EMPTY_TAKE,
        "_Group.join: self.rebalance() -> pass": (
            "the subscribe that follows start rebalances; the SPI does not say that subscribing "
            "before start must work (if it should, a clause subscribing first would kill this)"
        ),
        "_Group.rebalance: self.broker.wake() -> pass": (
            "a waiting member sees a new assignment at the end of its wait: the contract bounds a "
            "hand-off only by the session timeout"
        ),
    },
}

_AUTO_CREATE = (
    "sends_create_topics: a send to a topic never made creates it with one partition, as "
    "ProducerT.send says (where the transport creates topics)"
)
_PARTITION = (
    "send_to_a_missing_partition: a send to a partition the topic lacks (-1, the count) is a "
    "SendError naming the topic and partition"
)
_WAKES = (
    "getmany_wakes_on_arrival: a getmany waiting with a long timeout returns a record sent "
    "meanwhile, long before the timeout"
)
_WAITS = (
    "getmany_waits: with nothing new, getmany(timeout=t) returns empty after about t s, not "
    "at once ('empty after timeout seconds with nothing new')"
)
_NOT_STARTED = (
    "misuse: getmany on a consumer not started, or stopped, is a RuntimeError; stop of one "
    "never started is quiet"
)
_CALLBACKS = (
    "callbacks_track_assignment: on_assigned runs, before any record of its partitions is "
    "returned, and what on_assigned gave minus what on_revoked took is assignment()"
)
_SEEK = (
    "seek_moves_the_position: after seek(tp, o) the next getmany reads tp from o; a negative "
    "offset or a partition not assigned is a ValueError; seek(tp, 0) is allowed"
)
_MAX_RECORDS = (
    "max_records_bounds_a_batch: getmany(max_records=n) returns at most n records over all "
    "partitions, at least one when some are there, and the rest in order on later calls"
)
_COMMIT = "misuse: commit of a negative offset is a ValueError"
_REGAINED = (
    "regained_partition_resumes_at_commit: a member that loses a partition and gets it back "
    "reads it from the group's commit, not from where it had read to"
)
_LEAVES = (
    "member_leaves: after stop a member's assignment() is empty, and those that stay take "
    "its partitions (issue 10: hand-off within the session timeout)"
)
_URL = "url_names_the_broker: transport.url is a str with the scheme, without credentials"

GAPS: Final[dict[str, dict[str, str]]] = {
    MEMORY: {
        "<module>: DEFAULT_PARTITIONS: Final = 1 -> DEFAULT_PARTITIONS: Final = 2": _AUTO_CREATE,
        "MemoryBroker.append: if topic not in self.logs: -> if topic in self.logs:": _AUTO_CREATE,
        "MemoryBroker.append: self.create_topic(topic, _AUTO_CREATED) -> pass": _AUTO_CREATE,
        "MemoryBroker.append: elif not 0 <= partition < len(log): -> else:": _PARTITION,
        "MemoryBroker.append: elif not 0 <= partition < len(log): -> "
        "elif not 0 <= partition <= len(log):": _PARTITION,
        "MemoryBroker.append: raise SendError(f'the topic has partitions 0..{len(log) - 1}', "
        "topic=topic, partition=partition) -> pass": _PARTITION,
        "MemoryBroker.append: self.wake() -> pass": _WAKES,
        "MemoryBroker.wait: self._waiters.append(waiter) -> pass": _WAKES,
        "MemoryBroker.wait: await waiter -> pass": _WAITS,
        "MemoryBroker.wait: if waiter in self._waiters: -> if waiter not in self._waiters:": (
            _WAKES + " (woken, this mutant's getmany raises ValueError)"
        ),
        "MemoryBroker.wake: for waiter in waiters: -> pass": _WAKES,
        "MemoryBroker.wake: _settle(waiter) -> pass": _WAKES,
        "MemoryTransport.__init__: self._url = url -> pass": _URL,
        "MemoryTransport.url: return self._url -> return None": _URL,
        "MemoryConsumer.__init__: self._group: _Group | None = None -> pass": _NOT_STARTED,
        "MemoryConsumer.stop: self._group = None -> pass": _NOT_STARTED,
        "MemoryConsumer.reassign: self._assigned -= lost -> pass": _CALLBACKS,
        "MemoryConsumer.reassign: self._assigned |= gained -> pass": _CALLBACKS,
        "MemoryConsumer.reassign: self._assigned |= gained -> self._assigned &= gained": _CALLBACKS,
        "MemoryConsumer.reassign: for tp in lost: -> pass": _REGAINED,
        "MemoryConsumer.reassign: self._positions.pop(tp, None) -> pass": _REGAINED,
        "MemoryConsumer.getmany: if self._group is None: -> pass": _NOT_STARTED,
        "MemoryConsumer.getmany: raise RuntimeError(f'consumer of group {self.group_id!r} is not "
        "started') -> pass": _NOT_STARTED,
        "MemoryConsumer.getmany: await self._run_callbacks() -> pass": _CALLBACKS,
        "MemoryConsumer.getmany: if not batch and timeout > 0: -> pass": _WAITS,
        "MemoryConsumer.getmany: if not batch and timeout > 0: -> if not batch and timeout > 1:": (
            _WAITS
        ),
        "MemoryConsumer.getmany: await self.broker.wait(timeout) -> pass": _WAITS,
        "MemoryConsumer.getmany: await self._run_callbacks() -> pass #2": _CALLBACKS,
        "MemoryConsumer.getmany: batch = self._take(max_records or MAX_RECORDS) -> pass #2": _WAKES,
        "MemoryConsumer.commit: for tp, offset in offsets.items(): -> pass": _COMMIT,
        "MemoryConsumer.commit: if offset < 0: -> pass": _COMMIT,
        "MemoryConsumer.commit: raise ValueError(f'cannot commit {tp} at offset {offset}: offsets "
        "start at 0') -> pass": _COMMIT,
        "MemoryConsumer.seek: if offset < 0: -> pass": _SEEK,
        "MemoryConsumer.seek: if offset < 0: -> if offset <= 0:": _SEEK,
        "MemoryConsumer.seek: if offset < 0: -> if offset < 1:": _SEEK,
        "MemoryConsumer.seek: raise ValueError(f'cannot seek {tp} at offset {offset}: offsets "
        "start at 0') -> pass": _SEEK,
        "MemoryConsumer.seek: if tp not in self._assignment: -> pass": _SEEK,
        "MemoryConsumer.seek: if tp not in self._assignment: -> if tp in self._assignment:": _SEEK,
        "MemoryConsumer.seek: raise ValueError(f'{tp} is not assigned to this consumer of "
        "{self.group_id!r}') -> pass": _SEEK,
        "MemoryConsumer.seek: self._positions[tp] = offset -> pass": _SEEK,
        "MemoryConsumer._take: if limit <= 0: -> if limit <= 1:": _MAX_RECORDS,
        "MemoryConsumer._take: entries = self.broker.logs[tp.topic][tp.partition][position:position"
        " + limit] -> entries = self.broker.logs[tp.topic][tp.partition][position:position + limit"
        " + 1]": _MAX_RECORDS,
        "MemoryConsumer._take: entries = self.broker.logs[tp.topic][tp.partition][position:position"
        " + limit] -> entries = self.broker.logs[tp.topic][tp.partition][position:position + limit"
        " - 1]": _MAX_RECORDS,
        "MemoryConsumer._take: limit -= len(entries) -> pass": _MAX_RECORDS,
        "MemoryConsumer._take: limit -= len(entries) -> limit += len(entries)": _MAX_RECORDS,
        "MemoryConsumer._run_callbacks: if self._assigned: -> pass": _CALLBACKS,
        "MemoryConsumer._run_callbacks: if self._assigned: -> if not self._assigned:": _CALLBACKS,
        "MemoryConsumer._run_callbacks: if self._on_assigned is not None: -> pass": _CALLBACKS,
        "MemoryConsumer._run_callbacks: await self._on_assigned(assigned) -> pass": _CALLBACKS,
        "_Group.leave: member.reassign(frozenset()) -> pass": _LEAVES,
        "_Group.leave: self.rebalance() -> pass": _LEAVES,
    },
}
