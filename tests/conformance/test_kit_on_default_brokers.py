"""``python -m sdk.testing kafka://...`` on brokers with default settings, as a user's are.

Marked slow (``make test-slow``, which CI runs): with starting Apache Kafka, about a minute
and a half for the two, more than ``make test`` may spend on one claim. It prints the wall
time (measured: about 20 s on Tansu, 46 s on Apache Kafka); nothing is timed-asserted.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.brokers import kafka_node, tansu

ROOT = Path(__file__).parents[2]
KAFKA_DEFAULTS = "group.initial.rebalance.delay.ms=3000\ngroup.min.session.timeout.ms=6000\n"
"""Apache Kafka's own defaults, over the test settings its fixture starts with."""

pytestmark = pytest.mark.slow


@contextlib.contextmanager
def _default_broker(name: str) -> Iterator[str]:
    if name == "tansu":
        with tansu() as broker:
            yield broker.url  # the URL alone: none of broker.settings
    else:
        with kafka_node(properties=KAFKA_DEFAULTS) as node:
            yield node.broker.url


@pytest.mark.parametrize(
    ("name", "session"),
    [
        ("tansu", 2000),  # the shortest the kit tries: Tansu holds a join for half the session
        ("kafka", 6000),  # Apache Kafka refuses a shorter one by default
    ],
)
def test_the_cli_passes_on_a_broker_with_default_settings(name: str, session: int) -> None:
    with _default_broker(name) as url:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "sdk.testing", url],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        took = time.perf_counter() - started
    print(f"{name} with default settings: {took:.1f} s")
    assert done.returncode == 0, done.stdout + done.stderr
    said = f"kit settings for its own test groups: session_timeout_ms={session} "
    assert said in done.stdout
