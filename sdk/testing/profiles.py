"""How hard the kit tries: ``quick`` for every test run, ``long`` for nightly-style runs.

A clause that starts consumers costs a broker round trip or a group join per example, so it
runs fewer examples than one that only produces, and one whose members share a group (a join,
then a rebalance, per member) fewer still. Failures are reported as found (their input is in
the message); only the long profile shrinks, and only clauses that do not consume.
Deadlines are off (brokers are slow now and then) and under ``CI=true`` examples are
derandomized, so a CI failure reproduces: each clause from a seed of its own name, so editing
one clause does not re-roll every other. Imports hypothesis only when settings are made, so
the pytest plugin loads where the ``testing`` extra is not installed.
"""

from __future__ import annotations

import os
import zlib
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from hypothesis import settings

Profile = Literal["quick", "long"]
Kind = Literal["producing", "consuming", "grouped", "machine"]


PROFILES: Final[dict[Profile, dict[Kind, int]]] = {
    "quick": {"producing": 20, "consuming": 3, "grouped": 2, "machine": 5},
    "long": {"producing": 300, "consuming": 40, "grouped": 40, "machine": 30},
}
"""Per profile, the examples a clause of each kind runs: one that only produces, one that
consumes, one of consumer groups (two members, or two groups, per example); and the state
machine's runs."""


def derandomized() -> bool:
    return os.environ.get("CI") == "true"


def clause_seed(name: str) -> int | None:
    """The seed of ``name``'s examples when runs are derandomized (``None``: random)."""
    return zlib.crc32(name.encode()) if derandomized() else None


def kit_settings(profile: Profile, kind: Kind) -> settings:
    from hypothesis import HealthCheck, Phase, settings

    shrinks = profile == "long" and kind == "producing"
    return settings(
        max_examples=PROFILES[profile][kind],
        stateful_step_count=12,
        deadline=None,
        derandomize=derandomized(),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        report_multiple_bugs=False,
        database=None,  # every clause runs from one inner function: they would share entries
        phases=tuple(Phase) if shrinks else (Phase.explicit, Phase.reuse, Phase.generate),
    )
