"""A typed Struct's round trip (dumps then loads) through the SDK, against plain msgspec.

Run: ``python benchmarks/codecs.py [--n N] [--rounds R]``. For two payloads (a 5-field order,
~90 bytes of JSON, and an order with lines and an address, ~630 bytes) it prints round trips per
second of CPU time (best of R interleaved rounds) and the ratio to plain msgspec doing the same
work in the same process. Where Faust is importable (``pip install faust-streaming``), its
Record + json round trip of the same payload is measured too.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import msgspec

from sdk.codecs import get_codec
from sdk.impl.schema import Schema
from sdk.types import TypedCodecT


class Small(msgspec.Struct):
    id: int
    customer: str
    amount: float
    items: list[str]
    paid: bool


class Line(msgspec.Struct):
    sku: str
    name: str
    quantity: int
    unit_price: float


class Address(msgspec.Struct):
    street: str
    city: str
    postcode: str
    country: str


class Order(msgspec.Struct):
    id: int
    customer: str
    email: str
    placed_at: str
    lines: list[Line]
    ship_to: Address
    total: float
    paid: bool
    note: str | None = None


SMALL = Small(id=42, customer="Ada Lovelace", amount=129.95, items=["tea", "cake"], paid=True)
ORDER = Order(
    id=1_000_042,
    customer="Ada Lovelace",
    email="ada@example.org",
    placed_at="2026-11-27T09:30:00Z",
    lines=[
        Line(f"SKU-{n:05d}", name, quantity, price)
        for n, (name, quantity, price) in enumerate(
            [
                ("Earl Grey, 250 g", 2, 7.5),
                ("Scones, 6 pack", 1, 4.25),
                ("Clotted cream", 1, 3.1),
                ("Strawberry jam", 2, 3.95),
                ("Teapot, 1 l", 1, 24.0),
            ]
        )
    ],
    ship_to=Address("12 St James's Square", "London", "SW1Y 4JH", "GB"),
    total=58.25,
    paid=True,
    note="Leave at the door",
)


def cases(value: Any) -> dict[str, Callable[[], object]]:
    type_ = type(value)
    encode, decode = msgspec.json.Encoder().encode, msgspec.json.Decoder(type_).decode
    json = get_codec("json")
    assert isinstance(json, TypedCodecT)
    dumps, typed = json.dumps, json.decoder(type_)
    schema: Schema[None, Any] = Schema(value_type=type_)
    dumps_value, loads_value = schema.dumps_value, schema.loads_value
    found: dict[str, Callable[[], object]] = {
        "plain msgspec": lambda: decode(encode(value)),
        "sdk json codec": lambda: typed(dumps(value)),
        "sdk schema": lambda: loads_value(dumps_value(value)),
    }
    assert all(case() == value for case in found.values())
    faust = faust_case(value)
    if faust is not None:
        found["faust record"] = faust
    return found


def faust_case(value: Any) -> Callable[[], object] | None:
    try:  # faust-streaming is not a dependency
        from faust_records import RECORDS
    except ImportError:
        return None
    record_type = RECORDS[type(value).__name__]
    record = record_type.from_data(msgspec.to_builtins(value))
    assert record_type.loads(record.dumps(), serializer="json") == record
    return lambda: record_type.loads(record.dumps(), serializer="json")


def rate(round_trip: Callable[[], object], n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        round_trip()
    return n / (time.process_time() - start)


def main(n: int, rounds: int) -> None:
    for label, value in [("5-field order", SMALL), ("order with lines", ORDER)]:
        size = len(msgspec.json.encode(value))
        measured = cases(value)
        best = dict.fromkeys(measured, 0.0)
        for _ in range(rounds):
            for name, case in measured.items():
                best[name] = max(best[name], rate(case, n if name != "faust record" else n // 10))
        print(f"{label} ({size} B of JSON), round trips, best of {rounds}:")
        for name, value_rate in best.items():
            ratio = value_rate / best["plain msgspec"]
            line = f"  {name:<15} {value_rate:>11,.0f}/s  {ratio:5.2f} x msgspec"
            if "faust record" in best and name.startswith("sdk"):
                line += f"  {value_rate / best['faust record']:5.1f} x faust"
            print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    main(args.n, args.rounds)
