"""The transport contract fails each deliberately broken transport, on the clause it breaks."""

from __future__ import annotations

import pytest

from sdk.testing.contracts import TRANSPORT_CLAUSES, ContractError
from sdk.testing.machine import STATE_MACHINE
from sdk.types import TransportT
from tests.conformance.broken.transports import (
    DropsHeaders,
    LosesOnRestart,
    MatchesPatternPrefixes,
    MovesKeys,
    ReadsRevoked,
    ReordersPartition,
    ResolvesNever,
    ResolvesTwice,
)

CLAUSE = {clause.name: clause for clause in TRANSPORT_CLAUSES}


def _failure(transport: TransportT, clause: str) -> ContractError:
    """How the clause fails, in the long profile: a random run finds each defect every time.

    memory:// answers at once, so waiting a second for a lost message is plenty.
    """
    with pytest.raises(ContractError) as caught:
        CLAUSE[clause].run(transport, profile="long", patience=1.0)
    return caught.value


@pytest.mark.parametrize(
    ("broken", "clause"),
    [
        (ReordersPartition, "TransportContract.per_partition_order"),
        (DropsHeaders, "TransportContract.headers_round_trip"),
        (LosesOnRestart, "TransportContract.resume_after_commit"),
        (ResolvesTwice, "TransportContract.acks_resolve_once"),
        (ResolvesNever, "TransportContract.acks_resolve_once"),
        (MovesKeys, "TransportContract.same_key_same_partition"),
        (MatchesPatternPrefixes, "TransportContract.patterns_see_new_topics"),
        (ReadsRevoked, "TransportContract.revoked_partitions_stay_revoked"),
    ],
)
def test_the_clause_a_defect_breaks_fails(broken: type[TransportT], clause: str) -> None:
    assert _failure(broken(), clause).clause == clause


@pytest.mark.parametrize(
    ("broken", "clause"),
    [
        (ReordersPartition, "TransportContract.per_partition_order"),
        (LosesOnRestart, "TransportContract.at_least_once"),
        (DropsHeaders, "TransportContract.headers_round_trip"),
        (ResolvesTwice, "TransportContract.acks_resolve_once"),
        (ResolvesNever, "TransportContract.acks_resolve_once"),
        (MovesKeys, "TransportContract.same_key_same_partition"),
    ],
)
def test_the_state_machine_finds_the_defect(broken: type[TransportT], clause: str) -> None:
    assert _failure(broken(), STATE_MACHINE.name).clause == clause


def test_a_defect_fails_no_clause_it_does_not_touch() -> None:
    """Headers dropped break only the clauses that read headers: no false alarms."""
    for clause in TRANSPORT_CLAUSES:
        if clause.name not in {
            "TransportContract.headers_round_trip",
            "TransportContract.state_machine",
        }:
            clause.run(DropsHeaders())
