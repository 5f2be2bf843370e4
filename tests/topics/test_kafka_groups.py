"""kafka:// members of a group, on real brokers: what a stop leaves behind."""

from __future__ import annotations

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from sdk.impl.transports.kafka import KafkaTransport
from sdk.testing.clauses import send_all
from sdk.testing.sessions import consuming, producing, read
from sdk.testing.strategies import Record
from tests.conftest import pick_broker


@pytest.mark.parametrize("broker_name", ["tansu", "kafka"])
async def test_a_member_that_stops_leaves_its_group_empty(
    request: pytest.FixtureRequest, broker_name: str, name: str
) -> None:
    """Even in the group's first generation, which Tansu numbers 0: aiokafka leaves only from 1
    on, and the member stayed until its session ran out, the next one (a restart) waiting."""
    broker = pick_broker(request, broker_name)
    transport = KafkaTransport(broker.url, **broker.settings)
    async with producing(transport, name) as producer:
        await send_all(producer, name, [Record(b"k", b"v")])
    async with consuming(transport, [name], group=name) as consumer:
        await read(consumer, 1, "a member", f"records of {name}")
    admin = AIOKafkaAdminClient(bootstrap_servers=broker.url.removeprefix("kafka://"))
    await admin.start()
    try:
        (described,) = await admin.describe_consumer_groups([name])
    finally:
        await admin.close()
    ((error, group, state, *_, members),) = described.groups
    assert (error, group, members) == (0, name, []), state
