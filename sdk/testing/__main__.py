"""``python -m sdk.testing URL``: run the transport contract on a URL and print a table.

One row per clause: its name, the capability it needs, and pass, fail (with why) or skip.
Exits 1 if any clause fails, so it can gate a CI job without pytest.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import get_args

from sdk.impl.transports import transport_for

from .contracts import TRANSPORT_CLAUSES
from .errors import Undeclared
from .profiles import Profile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sdk.testing", description=__doc__)
    parser.add_argument("url", help="the transport's URL, e.g. memory:// or kafka://host:9092")
    parser.add_argument("--profile", choices=get_args(Profile), default="quick")
    args = parser.parse_args(argv)
    profile: Profile = args.profile
    transport = transport_for(args.url)
    print(f"TransportContract on {transport.url} ({profile} profile)")
    print(f"{'clause':<44} {'capability':<28} {'result':<6} seconds")
    counts = {"pass": 0, "fail": 0, "skip": 0}
    for clause in TRANSPORT_CLAUSES:
        started = time.perf_counter()
        detail = ""
        try:
            clause.run(transport, profile=profile)
            result = "pass"
        except Undeclared as undeclared:
            result, detail = "skip", f"{undeclared.capability} not declared"
        except Exception as exc:  # noqa: BLE001 - whatever a clause raises is its failure
            result, detail = "fail", f"{type(exc).__name__}: {exc}"
        counts[result] += 1
        needs = ", ".join(clause.needs) or "-"
        took = time.perf_counter() - started
        print(f"{clause.name.partition('.')[2]:<44} {needs:<28} {result:<6} {took:7.2f}")
        if detail:
            print(f"    {detail.splitlines()[0][:400]}")
    print(", ".join(f"{n} {result}" for result, n in counts.items()))
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
