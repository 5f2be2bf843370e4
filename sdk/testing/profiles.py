"""How hard the kit tries: ``quick`` for every test run, ``long`` for nightly-style runs.

A clause that starts consumers costs a broker round trip or a group join per example, so it
runs fewer examples than one that only produces. Deadlines are off (brokers are slow now and
then) and under ``CI=true`` examples are derandomized, so a CI failure reproduces.
"""

from __future__ import annotations

import os
from typing import Final, Literal

from hypothesis import HealthCheck, Phase, settings

Profile = Literal["quick", "long"]
PROFILES: Final[dict[Profile, tuple[int, int, int]]] = {
    "quick": (20, 4, 3),
    "long": (300, 40, 30),
}
"""Per profile: examples of a producing clause, of a consuming one, and state machine runs."""
_NO_SHRINKING: Final = (Phase.explicit, Phase.reuse, Phase.generate)
"""An example that starts consumers can take seconds on a broker: report the first failure."""


def kit_settings(profile: Profile, *, consuming: bool, machine: bool = False) -> settings:
    light, heavy, runs = PROFILES[profile]
    return settings(
        max_examples=runs if machine else heavy if consuming else light,
        stateful_step_count=12,
        deadline=None,
        derandomize=os.environ.get("CI") == "true",
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        report_multiple_bugs=False,
        phases=_NO_SHRINKING if consuming or machine else tuple(Phase),
    )
