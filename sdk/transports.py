"""What a transport author needs from the SDK, in one import: ``import sdk.transports``.

Named as ``sdk.codecs`` is, after the entry-point group a third-party package registers in
(``sdk.transports``), so the module to import and the group to register in are one name. A
transport written against this module and ``sdk.types`` (the protocols, for annotations) never
reaches into ``sdk.impl``, whose layout may change.

- the SPI: ``TransportT``, ``ProducerT``, ``ConsumerT``, ``AckT``, ``Capability``,
  ``EVERY_CAPABILITY``, ``PartitionsCallback``, and ``TopicSettings`` (what ``create_topic``
  is given); for the ``transactions`` capability, ``TransactionalTransportT``,
  ``TransactionalProducerT``, ``TransactionalConsumerT``, ``GroupMetadata`` and
  ``IsolationLevel``;
- what the SPI carries: ``Message`` (what ``getmany`` returns) and ``RecordMetadata`` (what an
  ``AckT`` resolves to), the concrete classes; ``TP``, ``Headers``, ``CREATE_TIME``,
  ``LOG_APPEND_TIME``;
- ``key_partition`` (murmur2 as Kafka's Java client, so every client agrees where a key goes)
  and ``redact`` (a URL without its password, for ``url``, reprs and errors);
- ``register`` (a scheme in this process, without packaging), ``transport_for`` (what a URL
  opens, as the app does) and ``ENTRY_POINT_GROUP``;
- the errors to raise: ``TransportError`` and its subclasses, each naming what and where.
"""

from sdk.errors import (
    AuthenticationError,
    BrokerConnectionError,
    CommitError,
    FencedError,
    FetchError,
    SendError,
    TopicError,
    TransactionError,
    TransportError,
    UnknownTransportError,
)
from sdk.impl.messages import Message, RecordMetadata
from sdk.impl.partitioning import key_partition
from sdk.impl.transports import ENTRY_POINT_GROUP, TransportFactory, register, transport_for
from sdk.impl.urls import redact
from sdk.types.messages import CREATE_TIME, LOG_APPEND_TIME, TP, Headers
from sdk.types.transports import (
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
    "ENTRY_POINT_GROUP",
    "EVERY_CAPABILITY",
    "LOG_APPEND_TIME",
    "TP",
    "AckT",
    "AuthenticationError",
    "BrokerConnectionError",
    "Capability",
    "CommitError",
    "ConsumerT",
    "FencedError",
    "FetchError",
    "GroupMetadata",
    "Headers",
    "IsolationLevel",
    "Message",
    "PartitionsCallback",
    "ProducerT",
    "RecordMetadata",
    "SendError",
    "TopicError",
    "TopicSettings",
    "TransactionError",
    "TransactionalConsumerT",
    "TransactionalProducerT",
    "TransactionalTransportT",
    "TransportError",
    "TransportFactory",
    "TransportT",
    "UnknownTransportError",
    "is_transactional",
    "key_partition",
    "redact",
    "register",
    "transport_for",
]
