"""The benchmark's order as Faust Records (a module of its own: Faust resolves annotations
against module globals). Imported only where faust-streaming is installed."""

import faust


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
