"""The transport contract fails each deliberately broken transport, on the clause it breaks."""

from __future__ import annotations

import pytest
from hypothesis.errors import FlakyFailure

from sdk.testing.contracts import TRANSPORT_CLAUSES, ContractError
from sdk.testing.machine import STATE_MACHINE
from sdk.types import TransportT
from tests.conformance.broken.transports import (
    DropsHeaders,
    DropsHeadersSometimes,
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


def test_a_reordered_partition_fails_resume_at_once_naming_the_offsets() -> None:
    """A reorder is reported as one (offsets expected vs got), not as a count short after a
    long wait: patience is long here and the failure does not use it."""
    with pytest.raises(ContractError) as caught:
        CLAUSE["TransportContract.resume_after_commit"].run(ReordersPartition(), patience=30.0)
    assert caught.value.clause == "TransportContract.resume_after_commit"
    assert "handed out offset 0 after 1" in caught.value.detail
    assert "expected an offset above 1" in caught.value.detail
    assert "arrived" not in caught.value.detail


def test_an_intermittent_defect_is_the_clause_s_error_flagged_intermittent() -> None:
    with pytest.raises(ContractError) as caught:
        CLAUSE["TransportContract.headers_round_trip"].run(DropsHeadersSometimes())
    assert caught.value.intermittent
    assert caught.value.clause == "TransportContract.headers_round_trip"
    assert str(caught.value).startswith(
        "TransportContract.headers_round_trip (intermittent: failed once, passed on retry): "
    )
    assert not isinstance(caught.value, FlakyFailure)
    assert isinstance(caught.value.__cause__, FlakyFailure)
