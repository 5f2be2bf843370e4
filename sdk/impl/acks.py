"""Ack counting: which fetched messages are done, and so which offsets may be committed.

Its home: the count per message (``Delivery``), the events that count it down (``TopicEvent``,
and ``twin`` for each further subscriber), and what is committable per partition
(``Offsets``). The consumer loop holds a message while it hands it out; a decode error in a
subscriber's line holds it until raised (``sdk.impl.buffer.Raised``).

A message is done once every event made of it was acked (``event.ack()``, ``async with event``
or a subscriber moving on to its next event). Per partition, the offset after the last message
done with nothing undone before it is committed: a restarted app resumes there, so every message
is processed at least once, and a message is processed twice only if it was not done yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from sdk.impl.events import Event
from sdk.types._vars import KT, VT
from sdk.types.messages import TP, Message


class Delivery(msgspec.Struct, gc=False):
    """One fetched message, until every event made of it is acked.

    ``remaining`` counts the events out, plus one while the consumer loop still hands the message to
    its readers; acking an event only counts down. Which messages are done is worked out when
    offsets are committed, not per ack: that keeps an ack cheap. ``revoked`` is set when its
    partition was revoked before it was done: its events are dropped unread, and the new owner
    reads it again. ``taken`` once a reader took an event of it: a revoked message is done only
    if it was (the rest of a batch the revoke stopped was never handed to anyone, and counting
    it down to 0 must not make it look done). A Struct of scalars: ``gc=False``, as the
    messages (``sdk.impl.messages``).
    """

    offset: int
    remaining: int = 1
    revoked: bool = False
    taken: bool = False


class Offsets:
    """Per partition: the messages fetched and not yet done, in order, and what to commit."""

    def __init__(self) -> None:
        self._undone: dict[TP, list[Delivery]] = {}
        self._committable: dict[TP, int] = {}

    def fetched(self, tp: TP, messages: Sequence[Message]) -> list[Delivery]:
        deliveries = [Delivery(message.offset) for message in messages]
        self._undone.setdefault(tp, []).extend(deliveries)
        return deliveries

    def committable(self) -> dict[TP, int]:
        """Per partition, the offset after the last message done with nothing undone before it."""
        for tp, undone in self._undone.items():
            done = 0
            for delivery in undone:  # a plain loop: no call per message
                if delivery.remaining or (delivery.revoked and not delivery.taken):
                    break
                done += 1
            if done:
                self._committable[tp] = undone[done - 1].offset + 1
                del undone[:done]
        return self._committable

    def last_fetched(self) -> dict[TP, int]:
        """Per partition with messages not yet done, the offset of the last one fetched."""
        return {tp: undone[-1].offset for tp, undone in self._undone.items() if undone}

    def settled(self, tps: Iterable[TP]) -> bool:
        """Whether no reader holds an event of ``tps`` any more: every message fetched of them
        (as of the last ``committable``) is done, or revoked before anyone took it."""
        return all(d.revoked and not d.taken for tp in tps for d in self._undone.get(tp, ()))

    def fence(self, tps: Iterable[TP]) -> None:
        """Being revoked: mark every message of ``tps`` not yet done ``revoked``, so that its
        events are dropped unread. Acks still count until ``forget``."""
        for tp in tps:
            for delivery in self._undone.get(tp, ()):
                delivery.revoked = True

    def forget(self, tps: Iterable[TP]) -> None:
        """Revoked: another member reads these now, from the commit just made. Acks of events
        of theirs still in the user's hands count for nothing from now on. What was fetched
        since ``fence`` (assigned back meanwhile) is kept."""
        for tp in tps:
            fetched_since = [d for d in self._undone.pop(tp, ()) if not d.revoked]
            if fetched_since:
                self._undone[tp] = fetched_since
            self._committable.pop(tp, None)


class TopicEvent(Event[KT, VT]):
    """An event received from a topic: acking it tells the app the message may be committed."""

    delivery: Delivery | None = None

    def ack(self) -> bool:
        if self.acked:
            return False
        self.acked = True
        if self.delivery is not None:
            self.delivery.remaining -= 1
        return True


def twin(event: Event[Any, Any]) -> TopicEvent[Any, Any]:
    """Another subscriber's event of the same message, acked on its own."""
    assert isinstance(event, TopicEvent)
    if event.delivery is not None:
        event.delivery.remaining += 1
    return TopicEvent(event.key, event.value, event.headers, event.message, False, event.delivery)
