"""A typed Struct's round trip (dumps then loads) through the SDK, against plain msgspec.

Run: ``python benchmarks/codecs.py [--quick] [--n N] [--rounds R]``. For json and msgpack and
two payloads (a 5-field order, ~90 bytes of JSON, and an order with lines and an address, ~630
bytes) it prints round trips per second and the ratio to plain msgspec doing the same work in
the same process, sustained as ``harness`` describes. Where Faust is importable
(``pip install faust-streaming``), its Record + json round trip is measured too.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from typing import Any

import msgspec
from harness import EVENTS, QUICK_EVENTS, QUICK_ROUNDS, ROUNDS, Case, Heap, record, report, timed

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


def cases(value: Any, codec: str) -> dict[str, Callable[[], object]]:
    """The round trips measured: plain msgspec (Encoder and Decoder made once and reused), the
    SDK codec typed, and the ``Schema`` a topic encodes and decodes with."""
    type_ = type(value)
    module = msgspec.json if codec == "json" else msgspec.msgpack
    encode, decode = module.Encoder().encode, module.Decoder(type_).decode
    sdk_codec = get_codec(codec)
    assert isinstance(sdk_codec, TypedCodecT)
    dumps, typed = sdk_codec.dumps, sdk_codec.decoder(type_)
    schema: Schema[None, Any] = Schema(value_type=type_, value_serializer=codec)
    dumps_value, loads_value = schema.dumps_value, schema.loads_value
    found: dict[str, Callable[[], object]] = {
        "plain msgspec": lambda: decode(encode(value)),
        "sdk codec": lambda: typed(dumps(value)),
        "sdk schema": lambda: loads_value(dumps_value(value)),
    }
    assert all(case() == value for case in found.values())
    faust = faust_case(value) if codec == "json" else None
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


def looped(round_trip: Callable[[], object], n: int) -> Callable[[], None]:
    def run() -> None:
        for _ in range(n):
            round_trip()

    return run


TARGETS = {"sdk codec": 0.85, "sdk schema": 0.8}


def main(n: int, rounds: int) -> None:
    heap = Heap()
    print(f"codecs: {n:,} round trips (dumps then loads) a round, {rounds} interleaved rounds")
    print(heap.describe())
    for codec in ("json", "msgpack"):
        for label, value in [("5-field order", SMALL), ("order with lines", ORDER)]:
            size = len((msgspec.json if codec == "json" else msgspec.msgpack).encode(value))
            measured = cases(value, codec)
            found = {name: Case(name) for name in measured}
            for round_ in range(rounds):
                order = list(measured) if round_ % 2 == 0 else list(reversed(measured))
                for name in order:
                    count = n if name != "faust record" else n // 20
                    record(found[name], timed(looped(measured[name], count), count), count)
            sdk = [found["sdk codec"], found["sdk schema"]]
            report(
                f"{codec}, {label} ({size} B), round trips/s:", found["plain msgspec"], sdk, TARGETS
            )
            if "faust record" in found:
                faust = statistics.median(found["faust record"].rates)
                print(
                    f"  faust record {faust:>11,.0f}/s; sdk codec "
                    f"{statistics.median(found['sdk codec'].rates) / faust:.1f} x faust"
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer round trips and rounds")
    parser.add_argument("--n", type=int)
    parser.add_argument("--rounds", type=int)
    args = parser.parse_args()
    main(
        args.n or (QUICK_EVENTS if args.quick else EVENTS),
        args.rounds or (QUICK_ROUNDS if args.quick else ROUNDS),
    )
