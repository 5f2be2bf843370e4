"""channels-sdk: typed channels and topics, the data-source layer of a stream processor.

What users need is here: ``App`` and what it makes (``Channel``, ``Topic``, ``Event``), and the
protocols to write generic code against (``ChannelT``, ``TopicT``, ``EventT``, ``SendArgs``).
"""

from sdk import codecs, errors
from sdk.impl import (
    App,
    Channel,
    Event,
    FutureMessage,
    Message,
    PendingMessage,
    RecordMetadata,
    Schema,
    Topic,
    TopicEvent,
)
from sdk.types import TP, ChannelT, DeadLetter, EventT, SendArgs, TopicT

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
