"""The reliability table: each fault test records a row; the run prints them as Markdown.

``pytest tests/reliability -q`` ends with the table that docs/reliability.md shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Row:
    fault: str
    broker: str
    sent: int
    processed: int
    duplicated: int
    lost: int
    recover_s: float | None
    """Seconds from the fault's end to the work going on (None: nothing to recover)."""


ROWS: list[Row] = []


Record = Callable[[str, str, int, int, int, int, "float | None"], None]


def _record(
    fault: str,
    broker: str,
    sent: int,
    processed: int,
    duplicated: int,
    lost: int,
    recover_s: float | None,
) -> None:
    ROWS.append(Row(fault, broker, sent, processed, duplicated, lost, recover_s))


@pytest.fixture
def record() -> Record:
    """``record(fault, broker, sent, processed, duplicated, lost, recover_s)``: a table row."""
    return _record


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not ROWS:
        return
    terminalreporter.section("reliability")
    terminalreporter.write_line(
        "| fault | broker | sent | processed | duplicated | lost | time to recover |"
    )
    terminalreporter.write_line("|---|---|---:|---:|---:|---:|---:|")
    for r in ROWS:
        recover = "-" if r.recover_s is None else f"{r.recover_s:.2f} s"
        terminalreporter.write_line(
            f"| {r.fault} | {r.broker} | {r.sent} | {r.processed} | {r.duplicated} | {r.lost}"
            f" | {recover} |"
        )
