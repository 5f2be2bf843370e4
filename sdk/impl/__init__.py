"""Reference implementations of the protocols in ``sdk.types``; use them or subclass them."""

from .acks import TopicEvent
from .app import App
from .channel import Channel
from .codecs import Codec
from .events import Event
from .futures import FutureMessage
from .messages import Message, PendingMessage, RecordMetadata
from .schema import Schema
from .topic import Topic

__all__ = [
    "App",
    "Channel",
    "Codec",
    "Event",
    "FutureMessage",
    "Message",
    "PendingMessage",
    "RecordMetadata",
    "Schema",
    "Topic",
    "TopicEvent",
]
