"""The transport contract fails each transport broken in its consumer groups, on that clause."""

from __future__ import annotations

import pytest

from sdk.testing.contracts import TRANSPORT_CLAUSES, ContractError
from sdk.types import TransportT
from tests.conformance.broken.groups import (
    DuplicatesOnRebalance,
    HoldsDuringHandOff,
    NeverRevokes,
    OrphansOnLeave,
    ReadsAssignedFromStart,
    RevokesWhatItKeeps,
    SharesCommits,
)

CLAUSE = {clause.name: clause for clause in TRANSPORT_CLAUSES}
BROKEN = [
    (SharesCommits, "TransportContract.groups_are_isolated"),
    (HoldsDuringHandOff, "TransportContract.one_owner_per_partition"),
    (NeverRevokes, "TransportContract.one_owner_per_partition"),
    (RevokesWhatItKeeps, "TransportContract.one_owner_per_partition"),
    (ReadsAssignedFromStart, "TransportContract.one_owner_per_partition"),
    (DuplicatesOnRebalance, "TransportContract.one_owner_per_partition"),
    (OrphansOnLeave, "TransportContract.leaving_member_hands_over"),
]


@pytest.mark.parametrize(("broken", "clause"), BROKEN)
def test_the_clause_a_defect_breaks_fails(broken: type[TransportT], clause: str) -> None:
    """In the quick profile, which finds each of them in every run (its first example), random
    or derandomized; memory:// answers at once, so a second's patience is plenty."""
    with pytest.raises(ContractError) as caught:
        CLAUSE[clause].run(broken(), patience=1.0)
    assert caught.value.clause == clause


@pytest.mark.parametrize(("broken", "clause"), BROKEN)
def test_a_group_defect_fails_no_clause_of_one_member(
    broken: type[TransportT], clause: str
) -> None:
    """No false alarms: a defect of groups leaves a lone member's reads and the other
    group clauses it does not touch passing."""
    untouched = {"TransportContract.round_trip", "TransportContract.per_partition_order"}
    if clause != "TransportContract.groups_are_isolated" and broken is not SharesCommits:
        untouched.add("TransportContract.groups_are_isolated")
    for name in sorted(untouched):
        CLAUSE[name].run(broken())
