"""The contract: protocols and type aliases that channels, topics and transports satisfy.

Import from here to type-check your own implementations; nothing here depends on ``sdk.impl``.
"""

from .app import AppT, ProcessingGuarantee
from .channels import ChannelT, SendArgs
from .codecs import CodecArg, CodecT, TypedCodecT, TypedEncoderT
from .events import EventT
from .messages import (
    CREATE_TIME,
    LOG_APPEND_TIME,
    TP,
    FutureMessage,
    Headers,
    HeadersArg,
    Message,
    MessageSentCallback,
    PendingMessage,
    RecordMetadata,
)
from .schemas import SchemaT
from .topics import DeadLetter, DecodeErrorPolicy, TopicT
from .transports import (
    EVERY_CAPABILITY,
    AckT,
    Capability,
    ConsumerT,
    GroupMetadata,
    IsolationLevel,
    PartitionsCallback,
    ProducerT,
    TopicSettings,
    TransactionalConsumerT,
    TransactionalProducerT,
    TransactionalTransportT,
    TransportT,
    is_transactional,
)

__all__ = [
    "CREATE_TIME",
    "EVERY_CAPABILITY",
    "LOG_APPEND_TIME",
    "TP",
    "AckT",
    "AppT",
    "Capability",
    "ChannelT",
    "CodecArg",
    "CodecT",
    "ConsumerT",
    "DeadLetter",
    "DecodeErrorPolicy",
    "EventT",
    "FutureMessage",
    "GroupMetadata",
    "Headers",
    "HeadersArg",
    "IsolationLevel",
    "Message",
    "MessageSentCallback",
    "PartitionsCallback",
    "PendingMessage",
    "ProcessingGuarantee",
    "ProducerT",
    "RecordMetadata",
    "SchemaT",
    "SendArgs",
    "TopicSettings",
    "TopicT",
    "TransactionalConsumerT",
    "TransactionalProducerT",
    "TransactionalTransportT",
    "TransportT",
    "TypedCodecT",
    "TypedEncoderT",
    "is_transactional",
]
