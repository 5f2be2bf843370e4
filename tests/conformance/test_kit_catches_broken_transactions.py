"""The transport contract fails each transport broken in its transactions, on that clause."""

from __future__ import annotations

import pytest

from sdk.testing.contracts import TRANSPORT_CLAUSES, ContractError
from sdk.types import TransportT
from tests.conformance.broken.transactions import (
    BeginsTwice,
    CommitsOffsetsAtOnce,
    CommitsOffsetsOnAbort,
    NeverFences,
    ReadsPastOpen,
    ShowsAborted,
    TakesZombieOffsets,
)

CLAUSE = {clause.name: clause for clause in TRANSPORT_CLAUSES}
BROKEN = [
    (ShowsAborted, "TransportContract.aborted_never_visible"),
    (CommitsOffsetsOnAbort, "TransportContract.committed_with_its_offsets"),
    (CommitsOffsetsAtOnce, "TransportContract.committed_with_its_offsets"),
    (NeverFences, "TransportContract.zombie_fenced"),
    (ReadsPastOpen, "TransportContract.read_committed_stops_at_open"),
    (TakesZombieOffsets, "TransportContract.zombie_offsets_refused"),
    (BeginsTwice, "TransportContract.transactions_misuse_refused"),
]


@pytest.mark.parametrize(("broken", "clause"), BROKEN)
def test_the_clause_a_defect_breaks_fails(broken: type[TransportT], clause: str) -> None:
    """In the quick profile: each defect shows on every example. memory:// answers at once,
    so a second's patience is plenty."""
    with pytest.raises(ContractError) as caught:
        CLAUSE[clause].run(broken(), patience=1.0)
    assert caught.value.clause == clause


@pytest.mark.parametrize("broken", sorted({b for b, _ in BROKEN}, key=lambda b: b.__name__))
def test_a_transaction_defect_fails_no_clause_without_transactions(
    broken: type[TransportT],
) -> None:
    """No false alarms: records sent outside transactions are read as ever."""
    for name in ("TransportContract.round_trip", "TransportContract.resume_after_commit"):
        CLAUSE[name].run(broken())
