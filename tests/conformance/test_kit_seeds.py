"""Derandomized runs (``CI=true``) seed each clause by its own name."""

from __future__ import annotations

import contextlib
import importlib
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import given, seed

from sdk.testing.contracts import TRANSPORT_CLAUSES
from sdk.testing.profiles import clause_seed, kit_settings, own_examples
from sdk.testing.strategies import Record, any_values, batches
from sdk.types import EVERY_CAPABILITY


def test_each_clause_has_a_seed_of_its_own_name_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    seeds = {clause.name: clause_seed(clause.name) for clause in TRANSPORT_CLAUSES}
    assert len(set(seeds.values())) == len(seeds), seeds
    name = "TransportContract.round_trip"
    assert clause_seed(name) == zlib.crc32(name.encode())  # its name alone: no other's edit


def test_runs_are_random_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert clause_seed("TransportContract.round_trip") is None


def _examples(own: bool) -> list[object]:
    """What a derandomized clause of the kit draws, with or without ``own_examples``."""
    drawn: list[object] = []

    @seed(clause_seed("TransportContract.round_trip"))
    @kit_settings("quick", "producing")
    @given(batch=batches(EVERY_CAPABILITY, 3), value=any_values())
    def examples(batch: list[Record], value: object) -> None:
        drawn.append((batch, value))

    with own_examples() if own else contextlib.nullcontext():
        examples()
    return drawn


@pytest.mark.parametrize("own", [True, False])
def test_examples_do_not_depend_on_the_literals_of_loaded_modules(
    own: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A module of the user's, full of literals, loaded in the session changes nothing the
    kit draws; hypothesis alone (``own=False``) draws other examples, so the test can fail."""
    monkeypatch.setenv("CI", "true")
    before = _examples(own)
    # 400 literals: hypothesis skips a module of more than 1024
    literals = [f"    {n}, {n * 7919}.5, 'lit-{n}', b'\\x{n % 256:02x}{n}'," for n in range(100)]
    (tmp_path / "users_literals.py").write_text("VALUES = [\n" + "\n".join(literals) + "\n]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("users_literals")
    try:
        after = _examples(own)
    finally:
        del sys.modules["users_literals"]
    assert (before == after) is own
