"""The kit runs without a test module of one's own: the pytest plugin and ``python -m``."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from sdk.impl.transports import register
from sdk.testing.__main__ import main
from tests.conformance.broken.transports import DropsHeaders


def test_the_plugin_runs_the_contract_on_a_transport_url() -> None:
    url = f"memory://plugin-{uuid.uuid4().hex}"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "sdk.testing.suite",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--transport-url={url}",
            "--kit-profile=quick",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "12 passed" in done.stdout


def test_the_plugin_skips_by_name_without_a_url() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "sdk.testing.suite",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "12 skipped" in done.stdout
    assert "no --transport-url given" in done.stdout


def test_python_m_sdk_testing_prints_every_clause_and_passes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([f"memory://cli-{uuid.uuid4().hex}"]) == 0
    table = capsys.readouterr().out
    assert table.count(" pass ") == 12
    assert "all clauses held" in table


def test_python_m_sdk_testing_fails_where_a_broken_transport_breaks_the_contract(
    capsys: pytest.CaptureFixture[str],
) -> None:
    register("broken-headers", lambda url: DropsHeaders())
    assert main(["broken-headers://"]) == 1
    table = capsys.readouterr().out
    failed = {line.split()[0] for line in table.splitlines() if " fail " in line}
    assert failed == {"headers_round_trip", "state_machine"}
    assert "2 failed" in table
