"""The reference implementations satisfy their protocols: checked by mypy and pyright."""

from __future__ import annotations

from sdk import App, Channel, Event, Schema
from sdk.impl import FutureMessage, Message, RecordMetadata
from sdk.impl.topic import Topic
from sdk.impl.transports.kafka import KafkaAck, KafkaConsumer, KafkaProducer, KafkaTransport
from sdk.impl.transports.memory import Acked, MemoryConsumer, MemoryProducer, MemoryTransport
from sdk.types import (
    AckT,
    AppT,
    ChannelT,
    ConsumerT,
    EventT,
    ProducerT,
    SchemaT,
    TopicT,
    TransportT,
)
from sdk.types import FutureMessage as FutureMessageT
from sdk.types import Message as MessageT
from sdk.types import RecordMetadata as RecordMetadataT


def contract(
    app: App,
    channel: Channel[str, int],
    topic: Topic[str, int],
    event: Event[str, int],
    fut: FutureMessage[str, int],
    schema: Schema[str, int],
    message: Message,
    metadata: RecordMetadata,
) -> None:
    checks: list[object] = [
        _app(app),
        _channel(channel),
        _channel(topic),
        _topic(topic),
        _event(event),
        _future(fut),
        _schema(schema),
        _message(message),
        _metadata(metadata),
    ]
    del checks


def transports(
    memory: MemoryTransport,
    kafka: KafkaTransport,
    producers: tuple[MemoryProducer, KafkaProducer],
    consumers: tuple[MemoryConsumer, KafkaConsumer],
    acks: tuple[Acked, KafkaAck],
) -> None:
    checks: list[object] = [
        _transport(memory),
        _transport(kafka),
        *(_producer(p) for p in producers),
        *(_consumer(c) for c in consumers),
        *(_ack(a) for a in acks),
    ]
    del checks


def _app(x: AppT) -> AppT:
    return x


def _channel(x: ChannelT[str, int]) -> ChannelT[str, int]:
    return x


def _topic(x: TopicT[str, int]) -> TopicT[str, int]:
    return x


def _event(x: EventT[str, int]) -> EventT[str, int]:
    return x


def _future(x: FutureMessageT[str, int]) -> FutureMessageT[str, int]:
    return x


def _schema(x: SchemaT[str, int]) -> SchemaT[str, int]:
    return x


def _message(x: MessageT) -> MessageT:
    return x


def _metadata(x: RecordMetadataT) -> RecordMetadataT:
    return x


def _transport(x: TransportT) -> TransportT:
    return x


def _producer(x: ProducerT) -> ProducerT:
    return x


def _consumer(x: ConsumerT) -> ConsumerT:
    return x


def _ack(x: AckT) -> AckT:
    return x
