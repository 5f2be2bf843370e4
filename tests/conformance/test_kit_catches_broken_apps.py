"""The app contract fails each deliberately broken transport on the clauses its defect shows
in, and passes the others: an app on top finds what the transport gets wrong, and nothing else."""

from __future__ import annotations

import pytest

from sdk.testing.apps import APP_CLAUSES
from sdk.testing.contracts import ContractError
from sdk.types import TransportT
from tests.conformance.broken.apps import (
    DropsUnflushedOnStop,
    ForgetsCommitsOfEmptyGroups,
    SharesEveryPartition,
)
from tests.conformance.broken.transports import CommitsOneAhead, DropsHeaders, LosesOnRestart

CLAUSE = {clause.name: clause for clause in APP_CLAUSES}
SPLIT = "AppContract.one_id_splits_the_partitions"
RESTART = "AppContract.restart_resumes_after_the_last_ack"
DECODING = (
    "AppContract.decode_errors_raise",
    "AppContract.decode_errors_skip",
    "AppContract.decode_errors_dead_letter",
)
STOP = "AppContract.stop_loses_nothing"

BREAKS: dict[type[TransportT], tuple[str, ...]] = {
    SharesEveryPartition: (SPLIT,),
    DropsUnflushedOnStop: (STOP,),
    LosesOnRestart: (RESTART,),
    DropsHeaders: ("AppContract.decode_errors_dead_letter",),
    ForgetsCommitsOfEmptyGroups: (RESTART, *DECODING),  # gone before the restart
    CommitsOneAhead: (RESTART, *DECODING),  # one past what was acked, or past the last
}
"""Each broken transport, and the clauses its defect shows in."""


@pytest.mark.parametrize(
    ("broken", "clause"),
    [(broken, clause) for broken, clauses in BREAKS.items() for clause in clauses],
)
def test_the_clause_a_defect_breaks_fails(broken: type[TransportT], clause: str) -> None:
    """In the quick profile, as a user runs it: every example shows the defect. memory://
    answers at once, so a second's patience is plenty."""
    with pytest.raises(ContractError) as caught:
        CLAUSE[clause].run(broken(), patience=1.0)
    assert caught.value.clause == clause
    assert str(caught.value).startswith(f"{clause}: ")


@pytest.mark.parametrize("broken", list(BREAKS))
def test_a_defect_passes_the_clauses_it_does_not_touch(broken: type[TransportT]) -> None:
    untouched = [clause for clause in APP_CLAUSES if clause.name not in BREAKS[broken]]
    assert untouched
    for clause in untouched:
        clause.run(broken())


def test_every_clause_is_broken_by_some_defect() -> None:
    assert {clause for clauses in BREAKS.values() for clause in clauses} == set(CLAUSE)
