from typing import Any, ClassVar, Generic, TypeVar

from aiokafka.protocol.types import Schema

class Struct:
    SCHEMA: ClassVar[Schema]
    def __init__(self, *args: Any, **kwargs: Any) -> None: ...

class Response(Struct):
    API_KEY: ClassVar[int]
    API_VERSION: ClassVar[int]

class RequestStruct(Struct):
    API_KEY: ClassVar[int]
    API_VERSION: ClassVar[int]
    FLEXIBLE_VERSION: ClassVar[bool]
    RESPONSE_TYPE: ClassVar[type[Response]]

T = TypeVar("T", bound=RequestStruct)

class Request(Generic[T]):
    API_KEY: ClassVar[int]
    def build(self, request_struct_class: type[T]) -> T: ...
