"""Every program in examples/ runs and prints what it says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("quickstart.py", "1\n"),
        (
            "typed_orders.py",
            "sent o-1 at offset 0\nsent o-2 at offset 1\nsent o-3 at offset 2\n"
            "billing total 60.00; shipping o-1, o-2, o-3\n",
        ),
    ],
)
def test_example_prints_what_it_says(name: str, expected: str) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected
