"""The in-memory channel and a user's channel pass the channel contract; broken ones fail it."""

from __future__ import annotations

import pytest

from sdk import Channel
from sdk.testing.contracts import ChannelContract, ContractError
from tests.conformance.broken.channels import DropsWhenFull, SwapsPairs
from tests.typing.test_structural import CountingChannel


class TestChannel(ChannelContract):
    make = staticmethod(lambda maxsize: Channel(maxsize=maxsize))


class TestUserChannel(ChannelContract):
    make = staticmethod(lambda maxsize: CountingChannel(Channel(maxsize=maxsize)))


class _OnDropsWhenFull(ChannelContract):
    make = staticmethod(lambda maxsize: DropsWhenFull(maxsize=maxsize))


class _OnSwapsPairs(ChannelContract):
    make = staticmethod(lambda maxsize: SwapsPairs(maxsize=maxsize))


def test_a_channel_that_drops_when_full_fails_maxsize_blocks() -> None:
    with pytest.raises(ContractError) as caught:
        _OnDropsWhenFull().test_maxsize_blocks_and_never_drops()
    assert caught.value.clause == "ChannelContract.maxsize_blocks"


def test_a_channel_that_reorders_fails_fan_out_in_order() -> None:
    with pytest.raises(ContractError) as caught:
        _OnSwapsPairs().test_fan_out_in_order()
    assert caught.value.clause == "ChannelContract.fan_out_in_order"
