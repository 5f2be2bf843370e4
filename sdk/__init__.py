"""channels-sdk: typed channels and topics, the data-source layer of a stream processor.

What users need is here: ``App`` and what it makes (``Channel``, ``Topic``, ``Event``), the
``PendingMessage`` a send makes (what ``prepare`` is handed), and the protocols to annotate and
write generic code with (``ChannelT``, ``TopicT``, ``EventT``, ``SendArgs``, and the
``FutureMessage``, ``RecordMetadata`` and ``Message`` that sends and events give). The classes
behind those three are in ``sdk.impl`` (and, for transport authors, ``sdk.transports``).
"""

from sdk import codecs, errors
from sdk.impl import App, Channel, Event, PendingMessage, Schema, Topic, TopicEvent
from sdk.types import (
    TP,
    ChannelT,
    DeadLetter,
    EventT,
    FutureMessage,
    Message,
    RecordMetadata,
    SendArgs,
    TopicT,
)

__all__ = [
    "TP",
    "App",
    "Channel",
    "ChannelT",
    "DeadLetter",
    "Event",
    "EventT",
    "FutureMessage",
    "Message",
    "PendingMessage",
    "RecordMetadata",
    "Schema",
    "SendArgs",
    "Topic",
    "TopicEvent",
    "TopicT",
    "codecs",
    "errors",
]
