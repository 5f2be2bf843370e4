"""The mutation harness (``python -m mutation``) keeps measuring: a fixed sample, end to end.

Two mutants of ``memory.py`` run in their own interpreters as ``make mutation`` runs them: one
the kit is known to kill, one equivalent (the contract allows it), which must survive. If
either flips, the harness (or the kit) broke. The operators are checked on a small source.
"""

from __future__ import annotations

import functools
import textwrap
from pathlib import Path

import pytest

from mutation.harness import ROOT, TARGETS, run_one
from mutation.mutants import Mutant, mutants, mutated
from mutation.verdicts import EQUIVALENT
from mutation.verdicts import MEMORY as MEMORY_PATH

MEMORY = TARGETS["memory"]
KILLABLE = (
    "MemoryBroker.append: entries.append(Message(topic, partition, offset, stamp, CREATE_TIME,"
    " headers, key, value)) -> pass"
)
"""An append that is acknowledged and never stored: every clause that reads fails."""
EQUIVALENT_ONE = "<module>: MAX_RECORDS: Final = 500 -> MAX_RECORDS: Final = 501"


@functools.cache
def _memory_mutants() -> list[Mutant]:
    (source,) = MEMORY.sources
    return mutants(source.path, ROOT)


def _memory_mutant(key: str) -> Mutant:
    (source,) = MEMORY.sources
    found = [m for m in _memory_mutants() if m.key == key]
    assert found, f"no mutant {key!r} of {source.path}: update the sample"
    return found[0]


def test_a_killable_mutant_is_killed() -> None:
    (source,) = MEMORY.sources
    status, clause, detail, _ = run_one(
        source, _memory_mutant(KILLABLE), "memory://", "quick", MEMORY.patience, 60.0
    )
    assert status == "killed", detail
    assert clause is not None
    assert not clause.startswith("("), f"killed by the harness, not a clause: {detail}"


def test_an_equivalent_mutant_survives() -> None:
    assert EQUIVALENT_ONE in EQUIVALENT[MEMORY_PATH]
    (source,) = MEMORY.sources
    status, clause, detail, _ = run_one(
        source, _memory_mutant(EQUIVALENT_ONE), "memory://", "quick", MEMORY.patience, 60.0
    )
    assert (status, clause, detail) == ("survived", None, None)


def test_a_run_past_its_limit_is_timed_out() -> None:
    (source,) = MEMORY.sources
    status, _, detail, _ = run_one(source, None, "memory://", "quick", MEMORY.patience, 0.01)
    assert status == "timed out", detail


SNIPPET = textwrap.dedent(
    '''
    """A docstring is not mutated."""
    LIMIT = 3

    def take(items: list[int], ready: bool) -> list[int]:
        """Nor is this one."""
        if ready and items[0] < LIMIT:
            return items[1 : LIMIT]
        return []
    '''
)


@pytest.fixture
def snippet(tmp_path: Path) -> Path:
    path = tmp_path / "snippet.py"
    path.write_text(SNIPPET)
    return path


def test_each_operator_makes_its_fault(snippet: Path) -> None:
    found = {(m.operator, m.key) for m in mutants(snippet, snippet.parent)}
    assert found == {
        ("number", "<module>: LIMIT = 3 -> LIMIT = 4"),
        (
            "condition",
            "take: if ready and items[0] < LIMIT: -> if not (ready and items[0] < LIMIT):",
        ),
        ("drop statement", "take: if ready and items[0] < LIMIT: -> pass"),
        ("and/or", "take: if ready and items[0] < LIMIT: -> if ready or items[0] < LIMIT:"),
        ("compare", "take: if ready and items[0] < LIMIT: -> if ready and items[0] <= LIMIT:"),
        ("number", "take: if ready and items[0] < LIMIT: -> if ready and items[1] < LIMIT:"),
        ("return None", "take: return items[1:LIMIT] -> return None"),
        ("offset", "take: return items[1:LIMIT] -> return items[1 + 1:LIMIT]"),
        ("offset", "take: return items[1:LIMIT] -> return items[1 - 1:LIMIT]"),
        ("offset", "take: return items[1:LIMIT] -> return items[1:LIMIT + 1]"),
        ("offset", "take: return items[1:LIMIT] -> return items[1:LIMIT - 1]"),
        ("number", "take: return items[1:LIMIT] -> return items[2:LIMIT]"),
        ("return None", "take: return [] -> return None"),
    }


def test_a_mutant_is_made_where_it_was_listed(snippet: Path) -> None:
    source = snippet.read_text()
    for mutant in mutants(snippet, snippet.parent):
        namespace: dict[str, object] = {}
        exec(compile(mutated(source, mutant.index), "snippet", "exec"), namespace)
        assert namespace["take"] is not None  # every mutant still compiles and defines it
    with pytest.raises(IndexError):
        mutated(source, len(mutants(snippet, snippet.parent)))
