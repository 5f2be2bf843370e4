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
import threading
import zlib
from collections.abc import Generator
from contextlib import contextmanager
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


class _Own:
    """The blocks of ``own_examples`` open now, in every thread, and what the first replaced."""

    lock = threading.Lock()
    open = 0
    found: object = None


@contextmanager
def own_examples() -> Generator[None]:
    """Draw the kit's examples from its strategies alone, whatever modules are loaded.

    Hypothesis (6.131 on) mixes into its draws the literals of every module it takes for
    local: a user's test files, and the kit itself when installed editable. The same seed
    would then give other examples in another session. Inside this block its provider sees
    no local literals; its cache of them is cleared on the way in and out, so the tests
    around the block draw as they would have. Clauses run in several threads (the CLI on a
    broker) share one such block: the first in replaces, the last out puts back.
    """
    from hypothesis.internal.conjecture import providers
    from hypothesis.internal.constants_ast import Constants

    provider = getattr(providers, "HypothesisProvider", None)
    if provider is None:  # a hypothesis that draws no local literals
        yield
        return
    with _Own.lock:
        if _Own.open == 0:
            _Own.found = provider.__dict__.get("_local_constants")
            if _Own.found is not None:
                none = Constants()
                providers.CONSTANTS_CACHE.cache.clear()
                provider._local_constants = property(lambda _: none)
        _Own.open += 1
    try:
        yield
    finally:
        with _Own.lock:
            _Own.open -= 1
            if _Own.open == 0 and _Own.found is not None:
                provider._local_constants = _Own.found
                providers.CONSTANTS_CACHE.cache.clear()
