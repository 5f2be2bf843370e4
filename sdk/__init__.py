"""channels-sdk: typed channels and topics, the data-source layer of a stream processor."""

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
)
from sdk.types import TP

__all__ = [
    "TP",
    "App",
    "Channel",
    "Event",
    "FutureMessage",
    "Message",
    "PendingMessage",
    "RecordMetadata",
    "Schema",
    "codecs",
    "errors",
]
