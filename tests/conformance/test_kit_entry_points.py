"""The kit runs without a test module of one's own: the pytest plugin and ``python -m``."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from sdk.impl.transports import register, transport_for
from sdk.testing.__main__ import main
from sdk.testing.contracts import TRANSPORT_CLAUSES
from sdk.testing.errors import Undeclared
from tests.conformance.broken.transports import DropsHeaders


def _suite(*options: str) -> subprocess.CompletedProcess[str]:
    """``pytest --pyargs sdk.testing.suite`` in a process of its own, as a user runs it."""
    pytest = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs"]
    return subprocess.run(
        [*pytest, "--pyargs", "sdk.testing.suite", *options],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_plugin_runs_the_contract_on_a_transport_url() -> None:
    done = _suite(f"--transport-url=memory://plugin-{uuid.uuid4().hex}", "--kit-profile=quick")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(TRANSPORT_CLAUSES)} passed" in done.stdout


def test_the_plugin_skips_saying_why_without_a_url() -> None:
    done = _suite()
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(TRANSPORT_CLAUSES)} skipped" in done.stdout
    assert "no --transport-url given" in done.stdout


def test_an_undeclared_capability_is_a_skip_that_names_it() -> None:
    transport = transport_for(f"memory://few-{uuid.uuid4().hex}")
    for clause in TRANSPORT_CLAUSES:
        if not clause.needs:
            continue
        with pytest.raises(Undeclared) as caught:
            clause.run(transport, declared=frozenset())
        assert caught.value.capability == clause.needs[0]
        assert f"needs {clause.needs[0]!r}, which memory://few-" in str(caught.value)


def test_python_m_sdk_testing_prints_every_clause_and_passes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([f"memory://cli-{uuid.uuid4().hex}"]) == 0
    table = capsys.readouterr().out
    assert table.count(" pass ") == len(TRANSPORT_CLAUSES)
    assert f"{len(TRANSPORT_CLAUSES)} pass, 0 fail, 0 skip" in table


def test_python_m_sdk_testing_fails_where_a_broken_transport_breaks_the_contract(
    capsys: pytest.CaptureFixture[str],
) -> None:
    register("broken-headers", lambda url: DropsHeaders())
    assert main(["broken-headers://"]) == 1
    table = capsys.readouterr().out
    failed = {line.split()[0] for line in table.splitlines() if " fail " in line}
    assert failed == {"headers_round_trip", "state_machine"}
    assert "2 fail," in table
