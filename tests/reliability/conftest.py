"""The reliability table: each fault test records a row; the run prints them as Markdown.

``pytest tests/reliability -q`` ends with the table that docs/reliability.md shows.
"""

from __future__ import annotations

import ssl
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.brokers import KafkaNode, kafka_node
from tests.reliability.tls import Certificates, kafka_properties, make_certificates

USER, PASSWORD = "alice", "alice-Pa55word-never-shown"
MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


@dataclass(frozen=True)
class Row:
    fault: str
    broker: str
    sent: int
    processed: int
    duplicated: int
    lost: int
    recover_s: float | None
    """Seconds from the fault's end to the work going on (None: nothing to recover)."""


ROWS: list[Row] = []


Record = Callable[[str, str, int, int, int, int, "float | None"], None]


def _record(
    fault: str,
    broker: str,
    sent: int,
    processed: int,
    duplicated: int,
    lost: int,
    recover_s: float | None,
) -> None:
    ROWS.append(Row(fault, broker, sent, processed, duplicated, lost, recover_s))


@pytest.fixture
def record() -> Record:
    """``record(fault, broker, sent, processed, duplicated, lost, recover_s)``: a table row."""
    return _record


class SecureKafka:
    def __init__(self, node: KafkaNode, certificates: Certificates) -> None:
        self.node = node
        self.certificates = certificates

    def url(self, protocol: str) -> str:
        return f"kafka://127.0.0.1:{self.node.ports[protocol]}"

    def context(self, ca: Path | None = None) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(ca or self.certificates.ca))


@pytest.fixture(scope="session")
def secure_kafka() -> Iterator[SecureKafka]:
    """Apache Kafka with PLAINTEXT, SSL, SASL_PLAINTEXT and SASL_SSL listeners: the security
    tests use it, and the outage test stops and restarts it (one Kafka start fewer)."""
    with tempfile.TemporaryDirectory(prefix="sdk-tls-") as work:
        try:
            certificates = make_certificates(Path(work))
            scram = [f"{m}=[name={USER},password={PASSWORD}]" for m in MECHANISMS[1:]]
            with kafka_node(
                listeners=["SSL", "SASL_PLAINTEXT", "SASL_SSL"],
                properties=kafka_properties(certificates, {USER: PASSWORD}),
                scram=scram,
            ) as node:
                yield SecureKafka(node, certificates)
        except (RuntimeError, OSError) as exc:  # no java, mvn, Maven Central or openssl
            pytest.skip(f"Apache Kafka with TLS and SASL could not be started: {exc}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not ROWS:
        return
    terminalreporter.section("reliability")
    terminalreporter.write_line(
        "| fault | broker | sent | processed | duplicated | lost | time to recover |"
    )
    terminalreporter.write_line("|---|---|---:|---:|---:|---:|---:|")
    for r in ROWS:
        recover = "-" if r.recover_s is None else f"{r.recover_s:.2f} s"
        terminalreporter.write_line(
            f"| {r.fault} | {r.broker} | {r.sent} | {r.processed} | {r.duplicated} | {r.lost}"
            f" | {recover} |"
        )
