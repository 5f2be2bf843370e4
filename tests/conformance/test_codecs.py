"""Every codec we register passes the codec contract."""

from __future__ import annotations

from hypothesis import strategies as st

from sdk.codecs import get_codec
from sdk.testing.contracts import CodecContract
from sdk.testing.strategies import any_values, json_values, msgpack_values


class TestRaw(CodecContract):
    codec = get_codec("raw")
    values = st.binary()
    # documented: a str comes back as its UTF-8 bytes, a bytearray as bytes
    everything = any_values().filter(lambda value: not isinstance(value, (str, bytearray)))


class TestBinary(CodecContract):
    codec = get_codec("binary")
    values = st.binary()
    everything = any_values().filter(lambda value: not isinstance(value, bytearray))


class TestJson(CodecContract):
    codec = get_codec("json")
    values = json_values()
    structs = True


class TestMsgPack(CodecContract):
    codec = get_codec("msgpack")
    values = msgpack_values()
    structs = True


class TestJsonBinary(CodecContract):
    codec = get_codec("json|binary")
    values = json_values()
    structs = True
