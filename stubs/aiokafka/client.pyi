import enum

class CoordinationType(enum.IntEnum):
    GROUP = 0
    TRANSACTION = 1

class AIOKafkaClient: ...
