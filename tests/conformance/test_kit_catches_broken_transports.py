"""The transport contract fails each deliberately broken transport, on the clause it breaks."""

from __future__ import annotations

import pytest
from hypothesis.errors import FlakyFailure

from sdk.testing.contracts import TRANSPORT_CLAUSES, ContractError
from sdk.testing.machine import STATE_MACHINE
from sdk.testing.profiles import Profile
from sdk.types import TransportT
from tests.conformance.broken.transports import (
    AnnouncesAfterTheWait,
    CommitsNegative,
    CommitsOneAhead,
    CommitsOneBehind,
    CommittedZeroForNone,
    DropsHeaders,
    DropsHeadersSometimes,
    FailsFirstWrite,
    FlushesEarly,
    HoldsAfterStop,
    IgnoresMaxRecords,
    IgnoresPartitionOfKeyed,
    IgnoresSeek,
    KeepsOldSubscriptions,
    KeepsPositionsOfLost,
    KeyPartitionGuesses,
    LosesOnRestart,
    MatchesPatternPrefixes,
    MovesKeys,
    NeverCallsBack,
    PartitionsForCreates,
    ReadsEmptyValueAsNone,
    ReadsRevoked,
    ReordersPartition,
    ResolvesNever,
    ResolvesTwice,
    ReturnsAtOnce,
    ShowsPassword,
    StopDropsBuffered,
    TruncatesTimestamps,
    WrapsPartitions,
)

CLAUSE = {clause.name: clause for clause in TRANSPORT_CLAUSES}


def _failure(transport: TransportT, clause: str, profile: Profile = "quick") -> ContractError:
    """How the clause fails in ``profile``: the quick one, as ``make test`` and the CLI run it,
    finds each of these defects in every run, derandomized or not (measured: 20 random runs of
    each), most in its first example.

    memory:// answers at once, so waiting a second for a lost message is plenty.
    """
    with pytest.raises(ContractError) as caught:
        CLAUSE[clause].run(transport, profile=profile, patience=1.0)
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
        (IgnoresMaxRecords, "TransportContract.max_records_bounds_a_batch"),
        (ReturnsAtOnce, "TransportContract.getmany_waits_and_wakes"),
        (FlushesEarly, "TransportContract.acks_resolve_once"),
        (StopDropsBuffered, "TransportContract.stop_sends_what_is_buffered"),
        (IgnoresPartitionOfKeyed, "TransportContract.same_key_same_partition"),
        (IgnoresPartitionOfKeyed, "TransportContract.boundary_values_round_trip"),
        (TruncatesTimestamps, "TransportContract.timestamps_round_trip"),
        (TruncatesTimestamps, "TransportContract.boundary_values_round_trip"),
        (ReadsEmptyValueAsNone, "TransportContract.boundary_values_round_trip"),
        (KeepsOldSubscriptions, "TransportContract.subscribe_replaces"),
        (CommitsOneBehind, "TransportContract.commits_read_back"),
        (CommitsOneAhead, "TransportContract.commits_read_back"),
        (CommittedZeroForNone, "TransportContract.commits_read_back"),
        (IgnoresSeek, "TransportContract.seek_moves_the_position"),
        (PartitionsForCreates, "TransportContract.creates_topics"),
        (KeyPartitionGuesses, "TransportContract.creates_topics"),
        (NeverCallsBack, "TransportContract.subscribe_replaces"),
        (ShowsPassword, "TransportContract.describes_itself"),
        (WrapsPartitions, "TransportContract.misuse_is_refused"),
        (CommitsNegative, "TransportContract.commits_read_back"),
        (FailsFirstWrite, "TransportContract.sends_create_topics"),
        (KeepsPositionsOfLost, "TransportContract.subscribe_replaces"),
        (HoldsAfterStop, "TransportContract.callbacks_track_assignment"),
        (AnnouncesAfterTheWait, "TransportContract.callbacks_track_assignment"),
    ],
)
def test_the_clause_a_defect_breaks_fails(broken: type[TransportT], clause: str) -> None:
    assert _failure(broken(), clause).clause == clause


@pytest.mark.parametrize(
    ("broken", "clause", "profile"),
    [
        (ReordersPartition, "TransportContract.per_partition_order", "quick"),
        (LosesOnRestart, "TransportContract.at_least_once", "quick"),
        (DropsHeaders, "TransportContract.headers_round_trip", "quick"),
        (ResolvesTwice, "TransportContract.acks_resolve_once", "quick"),
        (ResolvesNever, "TransportContract.acks_resolve_once", "quick"),
        # a key moved on its second send: 5 random runs need not send a key twice (16 of 20 did)
        (MovesKeys, "TransportContract.same_key_same_partition", "long"),
        (CommitsOneBehind, "TransportContract.commits_read_back", "quick"),
        (CommitsOneAhead, "TransportContract.commits_read_back", "quick"),
        (FlushesEarly, "TransportContract.acks_resolve_once", "quick"),
    ],
)
def test_the_state_machine_finds_the_defect(
    broken: type[TransportT], clause: str, profile: Profile
) -> None:
    assert _failure(broken(), STATE_MACHINE.name, profile).clause == clause


def test_a_defect_fails_no_clause_it_does_not_touch() -> None:
    """Headers dropped break only the clauses that read headers: no false alarms."""
    for clause in TRANSPORT_CLAUSES:
        if clause.name not in {
            "TransportContract.headers_round_trip",
            "TransportContract.boundary_values_round_trip",
            "TransportContract.state_machine",
        }:
            clause.run(DropsHeaders())


@pytest.mark.parametrize("broken", [CommitsOneBehind, CommitsOneAhead])
@pytest.mark.parametrize("derandomize", [True, False])
def test_the_quick_state_machine_finds_a_commit_off_by_one(
    broken: type[TransportT], derandomize: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every run ends in a commit of all and a restart, so even a quick run finds it."""
    monkeypatch.setenv("CI", "true" if derandomize else "false")
    with pytest.raises(ContractError) as caught:
        STATE_MACHINE.run(broken(), profile="quick", patience=1.0)
    assert caught.value.clause == "TransportContract.commits_read_back"


@pytest.mark.parametrize(
    ("broken", "untouched"),
    [
        (IgnoresMaxRecords, "TransportContract.round_trip"),
        (ReturnsAtOnce, "TransportContract.round_trip"),
        (FlushesEarly, "TransportContract.stop_sends_what_is_buffered"),
        (StopDropsBuffered, "TransportContract.round_trip"),
        (IgnoresPartitionOfKeyed, "TransportContract.round_trip"),
        (TruncatesTimestamps, "TransportContract.round_trip"),
        (ReadsEmptyValueAsNone, "TransportContract.acks_resolve_once"),
        (KeepsOldSubscriptions, "TransportContract.round_trip"),
        (CommitsOneBehind, "TransportContract.round_trip"),
        (CommitsOneAhead, "TransportContract.round_trip"),
        (CommittedZeroForNone, "TransportContract.resume_after_commit"),
        (IgnoresSeek, "TransportContract.round_trip"),
        (PartitionsForCreates, "TransportContract.round_trip"),
        (KeyPartitionGuesses, "TransportContract.same_key_same_partition"),
        (NeverCallsBack, "TransportContract.round_trip"),
        (ShowsPassword, "TransportContract.round_trip"),
        (WrapsPartitions, "TransportContract.round_trip"),
        (CommitsNegative, "TransportContract.round_trip"),
        (FailsFirstWrite, "TransportContract.round_trip"),
        (KeepsPositionsOfLost, "TransportContract.round_trip"),
        (HoldsAfterStop, "TransportContract.round_trip"),
        (AnnouncesAfterTheWait, "TransportContract.round_trip"),
    ],
)
def test_a_new_defect_passes_a_clause_it_does_not_touch(
    broken: type[TransportT], untouched: str
) -> None:
    CLAUSE[untouched].run(broken())


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
