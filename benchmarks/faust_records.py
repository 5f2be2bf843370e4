"""The benchmark's payloads as Faust Records, for benchmarks/codecs.py.

A module of its own because Faust resolves annotations against module globals; imported only
where faust-streaming is installed.
"""

import faust


class FaustSmall(faust.Record, serializer="json"):
    id: int
    customer: str
    amount: float
    items: list[str]
    paid: bool


class FaustLine(faust.Record):
    sku: str
    name: str
    quantity: int
    unit_price: float


class FaustAddress(faust.Record):
    street: str
    city: str
    postcode: str
    country: str


class FaustOrder(faust.Record, serializer="json"):
    id: int
    customer: str
    email: str
    placed_at: str
    lines: list[FaustLine]
    ship_to: FaustAddress
    total: float
    paid: bool
    note: str | None = None


RECORDS = {"Small": FaustSmall, "Order": FaustOrder}
