# aiokafka's sender: not public; as far as sdk.impl.transports.txn_offset_commit uses it.
import asyncio
from typing import Any

from aiokafka.client import AIOKafkaClient, CoordinationType
from aiokafka.structs import OffsetAndMetadata, TopicPartition

class TransactionManager:
    transactional_id: str
    producer_id: int
    producer_epoch: int
    _transaction_waiter: asyncio.Future[None]
    def error_transaction(self, exc: BaseException) -> None: ...

class Sender:
    client: AIOKafkaClient
    _txn_manager: TransactionManager
    async def _find_coordinator(self, coordination_type: CoordinationType, key: str) -> int: ...
    async def _do_txn_offset_commit(
        self, offsets: dict[TopicPartition, OffsetAndMetadata], group_id: str
    ) -> None: ...

class BaseHandler:
    _sender: Sender
    def __init__(self, sender: Sender) -> None: ...
    async def do(self, node_id: int) -> bool: ...
    def handle_response(self, resp: Any) -> float | None: ...

class TxnOffsetCommitHandler(BaseHandler):
    _offsets: dict[TopicPartition, OffsetAndMetadata]
    _group_id: str
    def __init__(
        self, sender: Sender, offsets: dict[TopicPartition, OffsetAndMetadata], group_id: str
    ) -> None: ...
