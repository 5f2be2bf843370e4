"""Derandomized runs (``CI=true``) seed each clause by its own name."""

from __future__ import annotations

import zlib

import pytest

from sdk.testing.contracts import TRANSPORT_CLAUSES
from sdk.testing.profiles import clause_seed


def test_each_clause_has_a_seed_of_its_own_name_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    seeds = {clause.name: clause_seed(clause.name) for clause in TRANSPORT_CLAUSES}
    assert len(set(seeds.values())) == len(seeds), seeds
    name = "TransportContract.round_trip"
    assert clause_seed(name) == zlib.crc32(name.encode())  # its name alone: no other's edit


def test_runs_are_random_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert clause_seed("TransportContract.round_trip") is None
