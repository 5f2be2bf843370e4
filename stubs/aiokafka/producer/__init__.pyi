import asyncio
import ssl
from collections.abc import Iterable, Mapping

from aiokafka.producer.sender import Sender
from aiokafka.structs import RecordMetadata, TopicPartition

class AIOKafkaProducer:
    def __init__(
        self,
        *,
        bootstrap_servers: str | list[str] = ...,
        client_id: str | None = ...,
        request_timeout_ms: int = ...,
        acks: int | str = ...,
        compression_type: str | None = ...,
        max_batch_size: int = ...,
        max_request_size: int = ...,
        linger_ms: int = ...,
        security_protocol: str = ...,
        ssl_context: ssl.SSLContext | None = ...,
        sasl_mechanism: str = ...,
        sasl_plain_username: str | None = ...,
        sasl_plain_password: str | None = ...,
        enable_idempotence: bool = ...,
        transactional_id: str | None = ...,
        transaction_timeout_ms: int = ...,
    ) -> None: ...
    _sender: Sender
    async def begin_transaction(self) -> None: ...
    async def commit_transaction(self) -> None: ...
    async def abort_transaction(self) -> None: ...
    async def send_offsets_to_transaction(
        self, offsets: Mapping[TopicPartition, int], group_id: str
    ) -> None: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def flush(self) -> None: ...
    async def partitions_for(self, topic: str) -> set[int]: ...
    async def send(
        self,
        topic: str,
        value: bytes | None = ...,
        key: bytes | None = ...,
        partition: int | None = ...,
        timestamp_ms: int | None = ...,
        headers: Iterable[tuple[str, bytes]] | None = ...,
    ) -> asyncio.Future[RecordMetadata]: ...
