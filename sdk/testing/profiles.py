"""How hard the kit tries: ``quick`` for every test run, ``long`` for nightly-style runs.

A clause that starts consumers costs a broker round trip or a group join per example, so it
runs fewer examples than one that only produces. Failures are reported as found (their input
is in the message); only the long profile shrinks, and only clauses that do not consume.
Deadlines are off (brokers are slow now and then) and under ``CI=true`` examples are
derandomized, so a CI failure reproduces: each clause from a seed of its own name, so editing
one clause does not re-roll every other. Imports hypothesis only when settings are made, so
the pytest plugin loads where the ``testing`` extra is not installed.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Generator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from hypothesis import settings

Profile = Literal["quick", "long"]
PROFILES: Final[dict[Profile, tuple[int, int, int]]] = {
    "quick": (20, 3, 5),
    "long": (300, 40, 30),
}
"""Per profile: examples of a producing clause, of a consuming one, and state machine runs."""


def derandomized() -> bool:
    return os.environ.get("CI") == "true"


def clause_seed(name: str) -> int | None:
    """The seed of ``name``'s examples when runs are derandomized (``None``: random)."""
    return zlib.crc32(name.encode()) if derandomized() else None


def kit_settings(profile: Profile, *, consuming: bool, machine: bool = False) -> settings:
    from hypothesis import HealthCheck, Phase, settings

    light, heavy, runs = PROFILES[profile]
    shrinks = profile == "long" and not (consuming or machine)
    return settings(
        max_examples=runs if machine else heavy if consuming else light,
        stateful_step_count=12,
        deadline=None,
        derandomize=derandomized(),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        report_multiple_bugs=False,
        database=None,  # every clause runs from one inner function: they would share entries
        phases=tuple(Phase) if shrinks else (Phase.explicit, Phase.reuse, Phase.generate),
    )


@contextmanager
def own_examples() -> Generator[None]:
    """Draw the kit's examples from its strategies alone, whatever modules are loaded.

    Hypothesis (6.131 on) mixes into its draws the literals of every module it takes for
    local: a user's test files, and the kit itself when installed editable. The same seed
    would then give other examples in another session. Inside this block its provider sees
    no local literals; its cache of them is cleared on the way in and out, so the tests
    around the block draw as they would have.
    """
    from hypothesis.internal.conjecture import providers
    from hypothesis.internal.constants_ast import Constants

    provider = getattr(providers, "HypothesisProvider", None)
    found = None if provider is None else provider.__dict__.get("_local_constants")
    if provider is None or found is None:  # a hypothesis that draws no local literals
        yield
        return
    none = Constants()
    providers.CONSTANTS_CACHE.cache.clear()
    provider._local_constants = property(lambda _: none)
    try:
        yield
    finally:
        provider._local_constants = found
        providers.CONSTANTS_CACHE.cache.clear()
