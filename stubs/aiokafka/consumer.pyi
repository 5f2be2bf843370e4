import ssl
from collections.abc import Iterable, Mapping

from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.structs import ConsumerRecord, TopicPartition

class GroupCoordinator:  # aiokafka.consumer.group_coordinator's, as far as the SDK uses it
    generation: int
    member_id: str

class AIOKafkaConsumer:
    _coordinator: GroupCoordinator | None
    def __init__(
        self,
        *topics: str,
        bootstrap_servers: str | list[str] = ...,
        client_id: str = ...,
        group_id: str | None = ...,
        request_timeout_ms: int = ...,
        fetch_max_wait_ms: int = ...,
        auto_offset_reset: str = ...,
        enable_auto_commit: bool = ...,
        session_timeout_ms: int = ...,
        heartbeat_interval_ms: int = ...,
        rebalance_timeout_ms: int | None = ...,
        metadata_max_age_ms: int = ...,
        security_protocol: str = ...,
        ssl_context: ssl.SSLContext | None = ...,
        sasl_mechanism: str = ...,
        sasl_plain_username: str | None = ...,
        sasl_plain_password: str | None = ...,
        isolation_level: str = ...,
    ) -> None: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def subscribe(
        self,
        topics: Iterable[str] = ...,
        pattern: str | None = ...,
        listener: ConsumerRebalanceListener | None = ...,
    ) -> None: ...
    def unsubscribe(self) -> None: ...
    def assignment(self) -> set[TopicPartition]: ...
    async def getmany(
        self, *partitions: TopicPartition, timeout_ms: int = ..., max_records: int | None = ...
    ) -> dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]: ...
    async def commit(self, offsets: Mapping[TopicPartition, int] | None = ...) -> None: ...
    async def committed(self, partition: TopicPartition) -> int | None: ...
    def seek(self, partition: TopicPartition, offset: int) -> None: ...
