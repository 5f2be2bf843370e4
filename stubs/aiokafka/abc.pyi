import abc

from aiokafka.structs import TopicPartition

class ConsumerRebalanceListener(abc.ABC):
    @abc.abstractmethod
    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None: ...
    @abc.abstractmethod
    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None: ...
