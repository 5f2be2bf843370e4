"""Codecs by name: ``get_codec("json|binary")``, ``register``, ``dumps``, ``loads``.

Third-party codecs register in the ``sdk.codecs`` entry-point group (a codec instance, or a
class made with no arguments).
"""

from sdk.impl.codecs import (
    Binary,
    Codec,
    Composite,
    Json,
    MsgPack,
    Raw,
    dumps,
    get_codec,
    loads,
    register,
)

__all__ = [
    "Binary",
    "Codec",
    "Composite",
    "Json",
    "MsgPack",
    "Raw",
    "dumps",
    "get_codec",
    "loads",
    "register",
]
