"""Security on Apache Kafka (Tansu has neither TLS nor SASL): TLS with a CA and certificates
made by the test, SASL PLAIN and SCRAM-SHA-256/512. The right credentials work; wrong ones
fail with a clear authentication error; credentials never appear in a repr, a log record or
an exception's text. And no codec executes code from the bytes it decodes."""

from __future__ import annotations

import logging
import pickle
import traceback
from pathlib import Path

import msgspec
import pytest

from sdk import App
from sdk.codecs import get_codec
from sdk.errors import AuthenticationError, DecodeError, UnknownCodecError
from sdk.impl.codecs import registry
from sdk.impl.schema import Schema
from sdk.impl.timeouts import within
from sdk.impl.transports.kafka import KafkaTransport
from tests.brokers import TEST_SETTINGS
from tests.reliability.conftest import MECHANISMS, PASSWORD, USER, SecureKafka

WRONG = "wrong-Pa55word-never-shown"
TIMEOUT = 20.0


async def round_trip(transport: KafkaTransport, topic_name: str) -> None:
    async with App(topic_name, broker=transport) as app:
        topic = app.topic(topic_name, value_type=str, internal=True, partitions=1)
        await topic.send_and_wait(value="over a secure connection")
        event = await topic.get(timeout=TIMEOUT)
        assert event.value == "over a secure connection"
        event.ack()


async def test_tls_with_the_right_ca_works(secure_kafka: SecureKafka, name: str) -> None:
    transport = KafkaTransport(
        secure_kafka.url("SSL"),
        security_protocol="SSL",
        ssl_context=secure_kafka.context(),
        **TEST_SETTINGS,
    )
    await within(TIMEOUT, round_trip(transport, name))


async def test_tls_with_an_untrusted_ca_fails_clearly(secure_kafka: SecureKafka) -> None:
    transport = KafkaTransport(
        secure_kafka.url("SSL"),
        security_protocol="SSL",
        ssl_context=secure_kafka.context(secure_kafka.certificates.other_ca),
        request_timeout_ms=3000,
    )
    with pytest.raises(AuthenticationError, match="CERTIFICATE_VERIFY_FAILED") as caught:
        await within(TIMEOUT, App("untrusted", broker=transport).start())
    assert f"127.0.0.1:{secure_kafka.node.ports['SSL']}" in str(caught.value)


@pytest.mark.parametrize("protocol", ["SASL_PLAINTEXT", "SASL_SSL"])
@pytest.mark.parametrize("mechanism", MECHANISMS)
async def test_sasl_right_credentials_work_and_never_show(
    secure_kafka: SecureKafka,
    name: str,
    protocol: str,
    mechanism: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    transport = KafkaTransport(
        secure_kafka.url(protocol),
        security_protocol=protocol,
        sasl_mechanism=mechanism,
        sasl_plain_username=USER,
        sasl_plain_password=PASSWORD,
        ssl_context=secure_kafka.context() if protocol == "SASL_SSL" else None,
        **TEST_SETTINGS,
    )
    await within(TIMEOUT, round_trip(transport, name))
    assert_hidden(PASSWORD, repr(transport), transport.url, caplog.text)


@pytest.mark.parametrize("protocol", ["SASL_PLAINTEXT", "SASL_SSL"])
@pytest.mark.parametrize("mechanism", MECHANISMS)
async def test_sasl_wrong_credentials_fail_clearly_and_never_show(
    secure_kafka: SecureKafka, protocol: str, mechanism: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = secure_kafka.url(protocol).replace("kafka://", f"kafka://{USER}:{WRONG}@")
    transport = KafkaTransport(
        f"{url}?security_protocol={protocol}&sasl_mechanism={mechanism}&request_timeout_ms=3000",
        ssl_context=secure_kafka.context() if protocol == "SASL_SSL" else None,
    )
    app = App("wrong-credentials", broker=transport)
    with pytest.raises(AuthenticationError, match="Authentication failed") as caught:
        await within(TIMEOUT, app.start())
    text = "".join(traceback.format_exception(caught.value))  # with the chained causes
    assert_hidden(WRONG, repr(transport), transport.url, repr(app), text, caplog.text)


def assert_hidden(secret: str, *texts: str) -> None:
    for text in texts:
        assert secret not in text


class _Hostile:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (Path.touch, (self.marker,))


class Order(msgspec.Struct):
    id: int


def test_no_codec_executes_code_from_decoded_bytes(tmp_path: Path) -> None:
    marker = tmp_path / "code-ran"
    hostile = pickle.dumps(_Hostile(marker))
    with pytest.raises(FileNotFoundError):  # the payload is live: unpickled, it would run
        pickle.loads(pickle.dumps(_Hostile(tmp_path / "missing" / "x")))
    names = registry.names()
    assert "pickle" not in names
    with pytest.raises(UnknownCodecError):
        get_codec("pickle")
    plain = (bytes, str, int, float, bool, list, dict, type(None))
    for codec in [*names, "json|binary", "msgpack|binary", "raw|binary"]:
        untyped: Schema[object, object] = Schema(value_serializer=codec)
        typed: Schema[object, Order] = Schema(value_type=Order, value_serializer=codec)
        for schema in (untyped, typed):
            try:
                value = schema.loads_value(hostile)
            except DecodeError:
                continue
            assert isinstance(value, plain), (codec, type(value))  # data, never an object
    assert not marker.exists()
