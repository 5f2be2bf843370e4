"""A typed Struct's round trip (dumps then loads) through the SDK, against plain msgspec.

Run: ``python benchmarks/codecs.py [--n N] [--rounds R]``. Prints round trips per second of CPU
time (best of R) and the ratio to plain msgspec doing the same work in the same process. Where
Faust is importable (``pip install faust-streaming``), its Record + json round trip is measured
too, as the figure the SDK is compared with.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import msgspec

from sdk.codecs import get_codec
from sdk.impl.schema import Schema
from sdk.types import TypedCodecT


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
    """A web shop's order event, ~480 bytes of JSON: the size of a typical Kafka message."""

    id: int
    customer: str
    email: str
    placed_at: str
    lines: list[Line]
    ship_to: Address
    total: float
    paid: bool
    note: str | None = None


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


def plain_msgspec() -> Callable[[], object]:
    encode, decode = msgspec.json.Encoder().encode, msgspec.json.Decoder(Order).decode
    return lambda: decode(encode(ORDER))


def sdk_codec() -> Callable[[], object]:
    json = get_codec("json")
    assert isinstance(json, TypedCodecT)
    dumps, decode = json.dumps, json.decoder(Order)
    return lambda: decode(dumps(ORDER))


def sdk_schema() -> Callable[[], object]:
    schema: Schema[str, Order] = Schema(key_type=str, value_type=Order)
    dumps, loads = schema.dumps_value, schema.loads_value
    return lambda: loads(dumps(ORDER))


def faust_record() -> Callable[[], object] | None:
    try:
        from faust_records import FaustOrder  # needs faust-streaming: not a dependency
    except ImportError:
        return None
    order = FaustOrder.from_data(msgspec.to_builtins(ORDER))
    assert FaustOrder.loads(order.dumps(), serializer="json") == order
    return lambda: FaustOrder.loads(order.dumps(), serializer="json")


def rate(round_trip: Callable[[], object], n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        round_trip()
    return n / (time.process_time() - start)


def main(n: int, rounds: int) -> None:
    cases = {"plain msgspec": plain_msgspec(), "sdk codec": sdk_codec(), "sdk schema": sdk_schema()}
    faust = faust_record()
    if faust is not None:
        cases["faust record"] = faust
    assert all(case() == ORDER for name, case in cases.items() if name != "faust record")
    best = dict.fromkeys(cases, 0.0)
    for _ in range(rounds):
        for name, case in cases.items():
            best[name] = max(best[name], rate(case, n if name != "faust record" else n // 10))
    print(f"typed Struct round trip (json), best of {rounds}:")
    for name, value in best.items():
        line = f"  {name:<14} {value:>12,.0f}/s   {value / best['plain msgspec']:5.2f} x msgspec"
        if faust is not None and name.startswith("sdk"):
            line += f"   {value / best['faust record']:6.1f} x faust"
        print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    main(args.n, args.rounds)
