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
        "<module>: DEFAULT_PARTITIONS: Final = 1 -> DEFAULT_PARTITIONS: Final = 2": (
            "how many partitions a first write makes is the broker's: Kafka's num.partitions "
            "(1 by default), 4 on Tansu; sends_create_topics asks only that the send lands"
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

GAPS: Final[dict[str, dict[str, str]]] = {}
"""None left in memory.py: each one found so far has a clause that kills it now."""
