"""``python -m sdk demo`` runs, and shows what it says it shows."""

from __future__ import annotations

import subprocess
import sys

from sdk.demo import demo


async def test_the_demo_shows_fan_out_back_pressure_and_decoding() -> None:
    lines: list[str] = []
    await demo(lines.append)
    text = "\n".join(lines)
    assert "billing got o-1=tea, o-2=cake" in text
    assert "shipping got o-1=tea, o-2=cake" in text
    # maxsize=2: o-5 is sent only after billing took o-3
    back_pressure = [line.strip() for line in lines if "o-3" in line or "o-5" in line]
    assert back_pressure == ["sent o-3", "billing took o-3", "sent o-5", "billing took o-5"]
    assert "offset 7 decoded to Order(id=7, item='jam', amount=4.0)" in text
    assert "offset 8 refused: cannot decode value of topic 'orders' partition 0 offset 8" in text
    placed = [
        line.split("-> partition ")[1].split(",")[0] for line in lines if "-> partition" in line
    ]
    assert placed[0] == placed[2]  # ada's two orders: one partition
    read = [line for line in lines if "billing read" in line]
    assert sorted(line.split("order ")[1].split(" ")[0] for line in read) == ["1", "2", "3", "4"]
    assert read.index(next(r for r in read if "order 1 " in r)) < read.index(
        next(r for r in read if "order 3 " in r)
    )  # in order within a partition


def test_python_m_sdk_demo_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sdk", "demo"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "Fan-out" in done.stdout


def test_python_m_sdk_without_demo_prints_usage() -> None:
    done = subprocess.run([sys.executable, "-m", "sdk"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "usage: python -m sdk demo" in done.stderr
