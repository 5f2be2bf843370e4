"""The producer/consumer pair in examples/ runs against a real broker, as two processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.brokers import Broker

EXAMPLES = Path(__file__).parents[2] / "examples"


def run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=120, cwd=EXAMPLES
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_consumer_reads_what_the_producer_sent(broker: Broker) -> None:
    if not broker.url.startswith("kafka://"):
        pytest.skip(f"{broker.name}: two processes share only a real broker")
    sent = run("orders_producer.py", broker.url)
    assert sent.count("sent order") == 6
    assert run("orders_consumer.py", broker.url, "6") == "read 6 orders worth 199.50\n"
