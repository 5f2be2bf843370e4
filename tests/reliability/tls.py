"""A certificate authority and a server certificate for 127.0.0.1, made with the openssl CLI
for one test run, and the Kafka server properties that use them."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

STORE_PASSWORD = "store-secret"  # a throwaway store made for one test run


@dataclass(frozen=True)
class Certificates:
    ca: Path
    """The CA certificate (PEM) that clients trust."""
    other_ca: Path
    """A CA that signed nothing the broker has: trusting only it must fail."""
    keystore: Path
    """The broker's key and certificate, signed by ``ca``, as PKCS12."""


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, timeout=60, check=True)


def make_certificates(work: Path) -> Certificates:
    for ca in ("ca", "other-ca"):
        _openssl(
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", f"{ca}.key", "-out", f"{ca}.crt", "-subj", f"/CN={ca}",
            cwd=work,
        )  # fmt: skip
    (work / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1",
        cwd=work,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "1", "-extfile", "san.ext", "-out", "server.crt",
        cwd=work,
    )  # fmt: skip
    _openssl(
        "pkcs12", "-export", "-in", "server.crt", "-inkey", "server.key", "-name", "kafka",
        "-out", "server.p12", "-passout", f"pass:{STORE_PASSWORD}",
        cwd=work,
    )  # fmt: skip
    return Certificates(work / "ca.crt", work / "other-ca.crt", work / "server.p12")


def kafka_properties(certificates: Certificates, plain_users: dict[str, str]) -> str:
    """TLS on SSL and SASL_SSL; PLAIN (these users) and SCRAM on SASL_PLAINTEXT and SASL_SSL."""
    users = " ".join(f'user_{name}="{password}"' for name, password in plain_users.items())
    lines = [
        f"ssl.keystore.location={certificates.keystore}",
        "ssl.keystore.type=PKCS12",
        f"ssl.keystore.password={STORE_PASSWORD}",
        f"ssl.key.password={STORE_PASSWORD}",
        "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
    ]
    for listener in ("sasl_plaintext", "sasl_ssl"):
        lines.append(
            f"listener.name.{listener}.plain.sasl.jaas.config="
            f"org.apache.kafka.common.security.plain.PlainLoginModule required {users};"
        )
        for scram in ("scram-sha-256", "scram-sha-512"):
            lines.append(
                f"listener.name.{listener}.{scram}.sasl.jaas.config="
                "org.apache.kafka.common.security.scram.ScramLoginModule required;"
            )
    return "\n".join(lines) + "\n"
