"""kafka:// transactions on real brokers, beyond the kit's clauses: what each broker refuses,
and how it is said."""

from __future__ import annotations

import dataclasses

import pytest

from sdk import App
from sdk.errors import CommitError, TransactionError
from sdk.impl.transports.kafka import WITHOUT_TRANSACTIONS, KafkaTransport
from sdk.testing.clauses import send_all
from sdk.testing.sessions import producing, read
from sdk.testing.strategies import Record
from sdk.testing.transactions import reading_committed, transacting
from sdk.types import EVERY_CAPABILITY, TP, GroupMetadata
from tests.conftest import pick_broker


def test_transactions_are_declared_only_when_the_url_says_so() -> None:
    on = "kafka://127.0.0.1:9?transactions=true"
    assert KafkaTransport(on).capabilities == EVERY_CAPABILITY
    without = KafkaTransport("kafka://127.0.0.1:9")
    assert without.capabilities == WITHOUT_TRANSACTIONS == EVERY_CAPABILITY - {"transactions"}
    off = KafkaTransport("kafka://127.0.0.1:9?transactions=false")
    assert off.capabilities == WITHOUT_TRANSACTIONS
    with pytest.raises(ValueError, match="declares transactions only with transactions=true"):
        without.create_transactional_producer("t")
    with pytest.raises(ValueError, match="transactions is true or false, not 'no'"):
        KafkaTransport("kafka://127.0.0.1:9?transactions=no")
    with pytest.raises(ValueError, match="writes with acks='all', not acks=1"):
        KafkaTransport(f"{on}&acks=1").create_transactional_producer("t")
    with pytest.raises(ValueError, match="non-empty transactional_id"):
        KafkaTransport(on).create_transactional_producer("")


async def test_a_broker_without_transactions_is_a_clear_error_at_start(
    request: pytest.FixtureRequest,
) -> None:
    """Tansu takes the URL as Kafka would and fails InitProducerId: the start says so and
    what to write, and an exactly-once app never runs at least once instead."""
    broker = pick_broker(request, "tansu")
    transport = KafkaTransport(broker.url, **{**broker.settings, "transactions": True})
    producer = transport.create_transactional_producer("on-tansu")
    with pytest.raises(TransactionError, match="transactions=true") as raised:
        await producer.start()
    assert "starting a transaction of 'on-tansu' failed" in str(raised.value)
    assert "Tansu has none" in str(raised.value)
    app = App("eos", broker=transport, processing_guarantee="exactly_once")
    with pytest.raises(TransactionError, match="transactions=true"):
        await app.start()
    assert app.running_producer is None


async def test_a_call_out_of_turn_is_a_transaction_error_not_an_assert(
    request: pytest.FixtureRequest, name: str
) -> None:
    """aiokafka asserts on these; the SDK says what was wrong, in whose transaction."""
    broker = pick_broker(request, "kafka")
    transport = KafkaTransport(broker.url, **broker.settings)
    async with transacting(transport, name, transactional_id=name) as producer:
        with pytest.raises(TransactionError, match="no transaction is open"):
            await producer.send(name, b"k", b"v")
        with pytest.raises(TransactionError, match="no transaction is open"):
            await producer.commit()
        with pytest.raises(TransactionError, match="no transaction is open"):
            await producer.abort()
        await producer.begin()
        with pytest.raises(TransactionError, match="a transaction is open already"):
            await producer.begin()
        with pytest.raises(ValueError, match="offsets start at 0"):
            await producer.send_offsets_to_transaction(
                {TP(name, 0): -1},
                dataclasses.replace(_NOBODY, group_id=name),
            )
        await producer.abort()


_NOBODY = GroupMetadata(group_id="", generation=1, member_id="nobody")


@pytest.mark.parametrize("stale", ["generation", "member", "dropped"])
async def test_offsets_of_a_member_no_longer_in_the_group_are_refused_by_the_broker(
    request: pytest.FixtureRequest, name: str, stale: str
) -> None:
    """KIP-447: the offsets go at TxnOffsetCommit version 3, naming the member and its
    generation, and the group's coordinator refuses a zombie's; aiokafka's version 0 would
    commit them. A member dropped from its group (generation -1, no member id) is refused
    before the broker, which takes such offsets as a non-member's. The transaction can then
    only be aborted, and nothing of it is committed."""
    broker = pick_broker(request, "kafka")
    transport = KafkaTransport(broker.url, **broker.settings)
    async with producing(transport, name) as plain:
        await send_all(plain, name, [Record(b"k", b"input")])
    async with (
        transacting(transport) as producer,
        reading_committed(transport, [name], group=name) as member,
    ):
        (message,) = await read(member, 1, "the member", f"records of {name}")
        now = member.group_metadata()
        assert now.generation >= 1
        assert now.member_id
        if stale == "generation":
            zombie = dataclasses.replace(now, generation=now.generation + 1)
        elif stale == "member":
            zombie = dataclasses.replace(now, member_id=f"{now.member_id}-gone")
        else:  # what aiokafka says of a member dropped from its group: the broker would take
            zombie = dataclasses.replace(now, generation=-1, member_id="")  # it, unchecked
        await producer.begin()
        tp = TP(name, 0)
        with pytest.raises(CommitError, match="a zombie") as refused:
            await producer.send_offsets_to_transaction({tp: message.offset + 1}, zombie)
        assert refused.value.group == name
        assert refused.value.partitions == {tp}
        with pytest.raises(TransactionError, match="abort it"):
            await producer.commit()
        await producer.abort()
        assert await member.committed(tp) is None
        await producer.begin()
        await producer.send_offsets_to_transaction({tp: message.offset + 1}, now)
        await producer.commit()
