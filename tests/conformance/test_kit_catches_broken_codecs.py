"""The codec contract fails on each broken codec, at the clause its defect breaks."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from sdk.testing.contracts import CodecContract, ContractError
from sdk.testing.strategies import json_values
from tests.conformance.broken.codecs import (
    AltersUntyped,
    DropsEmptyStrings,
    LeaksValueError,
    RefusesWithTypeError,
)


class _OnDropsEmptyStrings(CodecContract):
    codec = DropsEmptyStrings()
    values = json_values() | st.just("")


class _OnLeaksValueError(CodecContract):
    codec = LeaksValueError()
    values = json_values()


class _OnAltersUntyped(CodecContract):
    codec = AltersUntyped()
    values = json_values()


class _OnRefusesWithTypeError(CodecContract):
    codec = RefusesWithTypeError()
    values = json_values()


def test_a_codec_that_is_not_its_own_inverse_fails_round_trip() -> None:
    with pytest.raises(ContractError) as caught:
        _OnDropsEmptyStrings().test_round_trip()
    assert caught.value.clause == "CodecContract.round_trip"
    assert "loads(dumps('')) gave None" in str(caught.value)


def test_a_codec_that_leaks_other_errors_fails_loads_raises_only_decode_error() -> None:
    with pytest.raises(ContractError) as caught:
        _OnLeaksValueError().test_loads_raises_only_decode_error()
    assert caught.value.clause == "CodecContract.loads_raises_only_decode_error"
    assert "raised ValueError: odd length" in str(caught.value)


def test_a_codec_that_alters_what_it_cannot_carry_fails_exact_or_refused() -> None:
    with pytest.raises(ContractError) as caught:
        _OnAltersUntyped().test_exact_or_refused()
    assert caught.value.clause == "CodecContract.exact_or_refused"
    assert "loads(dumps(" in str(caught.value)
    assert " gave " in str(caught.value)


def test_a_codec_that_refuses_with_another_error_fails_exact_or_refused() -> None:
    with pytest.raises(ContractError) as caught:
        _OnRefusesWithTypeError().test_exact_or_refused()
    assert caught.value.clause == "CodecContract.exact_or_refused"
    assert "raised TypeError" in str(caught.value)
    assert "not EncodeError" in str(caught.value)


def test_the_correct_codec_passes_the_same_clauses() -> None:
    from sdk.impl.codecs import Json

    class _OnJson(CodecContract):
        codec = Json()
        values = json_values() | st.just("")

    _OnJson().test_round_trip()
    _OnJson().test_loads_raises_only_decode_error()
    _OnJson().test_exact_or_refused()
