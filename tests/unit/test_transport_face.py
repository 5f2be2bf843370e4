"""``sdk.transports``: what a transport author needs, in one module; the example needs no other."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import sdk.transports as face
from sdk import errors
from sdk.impl import messages, partitioning
from sdk.impl import transports as registry
from sdk.types import messages as message_types
from sdk.types import transports as spi

EXAMPLE = Path(__file__).parents[2] / "examples" / "redis_transport" / "sdk_redis"
FACES = {"sdk.transports", "sdk.types", "sdk.errors"}


def test_the_face_holds_what_a_transport_author_needs() -> None:
    assert (face.Message, face.RecordMetadata) == (messages.Message, messages.RecordMetadata)
    assert face.key_partition is partitioning.key_partition
    assert (face.redact, face.register, face.transport_for) == (
        registry.redact,
        registry.register,
        registry.transport_for,
    )
    assert face.ENTRY_POINT_GROUP == "sdk.transports"  # the module is named after the group
    for name in (
        "TransportT",
        "ProducerT",
        "ConsumerT",
        "AckT",
        "Capability",
        "EVERY_CAPABILITY",
        "PartitionsCallback",
        "TopicSettings",
    ):
        assert getattr(face, name) is getattr(spi, name), name
    for name in ("TP", "Headers", "CREATE_TIME", "LOG_APPEND_TIME"):
        assert getattr(face, name) is getattr(message_types, name), name
    assert sorted(face.__all__) == sorted(set(face.__all__))
    for name in face.__all__:
        assert hasattr(face, name), name


def test_the_face_has_every_transport_error() -> None:
    family = {
        name
        for name, value in inspect.getmembers(errors, inspect.isclass)
        if issubclass(value, errors.TransportError)
    }
    assert family >= {
        "TransportError",
        "BrokerConnectionError",
        "AuthenticationError",
        "SendError",
        "TopicError",
        "FetchError",
        "CommitError",
        "UnknownTransportError",
    }
    assert family <= set(face.__all__)
    for name in family:
        assert getattr(face, name) is getattr(errors, name), name


def test_the_redis_example_imports_only_the_faces() -> None:
    """A transport in a package of its own needs nothing from ``sdk.impl``."""
    found: dict[str, set[str]] = {}
    for path in sorted(EXAMPLE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                if module == "sdk" or module.startswith("sdk."):
                    found.setdefault(module, set()).add(path.name)
    assert "sdk.transports" in found
    assert set(found) <= FACES, {m: files for m, files in found.items() if m not in FACES}
