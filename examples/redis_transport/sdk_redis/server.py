"""A throwaway ``redis-server`` on a free loopback port, keeping nothing on disk.

For tests and benchmarks: ``with redis_server() as url: ...``. Needs the ``redis-server``
binary (Debian: ``apt-get install redis-server``).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Generator

START_TIMEOUT = 10.0


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


@contextlib.contextmanager
def redis_server() -> Generator[str, None, None]:
    """``redis-server`` on 127.0.0.1, keeping nothing on disk; its ``redis://`` URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError(
            "redis-server is not on PATH (on Debian: apt-get install redis-server)"
        )
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="sdk-redis-") as workdir:
        options = ["--bind", "127.0.0.1", "--dir", workdir, "--save", "", "--appendonly", "no"]
        process = subprocess.Popen(
            [binary, "--port", str(port), *options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not _ready(port):
                if process.poll() is not None:
                    raise RuntimeError(f"redis-server exited with {process.returncode}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not answer on port {port} in time")
                time.sleep(0.02)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            try:
                process.wait(START_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
