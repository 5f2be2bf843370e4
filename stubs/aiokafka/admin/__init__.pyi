import ssl
from typing import Any

class NewTopic:
    def __init__(
        self,
        name: str,
        num_partitions: int,
        replication_factor: int,
        replica_assignments: dict[int, list[int]] | None = ...,
        topic_configs: dict[str, str] | None = ...,
    ) -> None: ...

class AIOKafkaAdminClient:
    def __init__(
        self,
        *,
        bootstrap_servers: str | list[str] = ...,
        client_id: str = ...,
        request_timeout_ms: int = ...,
        security_protocol: str = ...,
        ssl_context: ssl.SSLContext | None = ...,
        sasl_mechanism: str = ...,
        sasl_plain_username: str | None = ...,
        sasl_plain_password: str | None = ...,
    ) -> None: ...
    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def create_topics(
        self, new_topics: list[NewTopic], timeout_ms: int | None = ..., validate_only: bool = ...
    ) -> Any: ...
    async def list_topics(self) -> list[str]: ...
    async def describe_topics(self, topics: list[str] | None = ...) -> list[Any]: ...
    async def describe_cluster(self) -> dict[str, Any]: ...
    async def find_coordinator(self, group_id: str, coordinator_type: int = ...) -> int: ...
