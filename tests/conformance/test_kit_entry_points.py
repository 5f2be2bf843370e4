"""The kit runs without a test module of one's own: the pytest plugin and ``python -m``."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from sdk.errors import SendError
from sdk.impl.transports import ENTRY_POINT_GROUP, register, transport_for
from sdk.impl.transports.kafka import KafkaTransport
from sdk.impl.transports.memory import Acked, MemoryProducer, MemoryTransport
from sdk.testing.__main__ import KAFKA_KIT_SETTINGS, WIDTH, for_the_kit, main, outcomes
from sdk.testing.clauses import Clause
from sdk.testing.contracts import TRANSPORT_CLAUSES
from sdk.testing.errors import ContractError, Undeclared
from sdk.testing.profiles import Profile
from sdk.testing.sessions import PATIENCE, consuming, kit_topic, producing, read, run
from sdk.types import Capability, Headers, TransportT
from tests.conformance.broken.transports import DropsHeaders, DropsHeadersSometimes, _Broken
from tests.conftest import pick_broker

ROOT = Path(__file__).parents[2]


def _suite(*options: str) -> subprocess.CompletedProcess[str]:
    """``pytest --pyargs sdk.testing.suite`` in a process of its own, as a user runs it."""
    pytest = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs"]
    return subprocess.run(
        [*pytest, "--pyargs", "sdk.testing.suite", *options],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_plugin_runs_the_contract_on_a_transport_url() -> None:
    done = _suite(f"--transport-url=memory://plugin-{uuid.uuid4().hex}", "--kit-profile=quick")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(TRANSPORT_CLAUSES)} passed" in done.stdout


def test_the_plugin_skips_saying_why_without_a_url() -> None:
    done = _suite()
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(TRANSPORT_CLAUSES)} skipped" in done.stdout
    assert "no --transport-url given" in done.stdout


def test_an_undeclared_capability_is_a_skip_that_names_it() -> None:
    transport = transport_for(f"memory://few-{uuid.uuid4().hex}")
    for clause in TRANSPORT_CLAUSES:
        if not clause.needs:
            continue
        with pytest.raises(Undeclared) as caught:
            clause.run(transport, declared=frozenset())
        assert caught.value.capability == clause.needs[0]
        assert f"needs {clause.needs[0]!r}, which memory://few-" in str(caught.value)
        assert "declares but the test leaves out" in str(caught.value)  # memory:// has it all


class _Plain(MemoryTransport):
    """memory:// declaring nothing but what every transport has."""

    @property
    def capabilities(self) -> frozenset[Capability]:
        return frozenset()


def test_a_capability_the_transport_lacks_is_a_skip_that_says_so() -> None:
    transport = _Plain(f"memory://plain-{uuid.uuid4().hex}")
    for clause in TRANSPORT_CLAUSES:
        if not clause.needs:
            continue
        with pytest.raises(Undeclared) as caught:
            clause.run(transport)
        assert str(caught.value).endswith(f"which {transport.url} does not declare")


def test_python_m_sdk_testing_prints_every_clause_and_passes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([f"memory://cli-{uuid.uuid4().hex}"]) == 0
    table = capsys.readouterr().out
    assert table.count(" pass ") == len(TRANSPORT_CLAUSES)
    assert f"{len(TRANSPORT_CLAUSES)} pass, 0 fail, 0 skip" in table


def test_python_m_sdk_testing_fails_where_a_broken_transport_breaks_the_contract(
    capsys: pytest.CaptureFixture[str],
) -> None:
    register("broken-headers", lambda url: DropsHeaders())
    assert main(["broken-headers://"]) == 1
    table = capsys.readouterr().out
    failed = {line.split()[0] for line in table.splitlines() if " fail " in line}
    assert failed == {"headers_round_trip", "boundary_values_round_trip", "state_machine"}
    assert "3 fail," in table


def _cli(*args: str, path: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m sdk.testing`` in a process of its own, as a user runs it; ``path`` first on
    its ``sys.path`` (where a dist-info directory installs an entry point)."""
    paths = [str(p) for p in (path, ROOT) if p is not None]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "sdk.testing", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def test_an_unknown_scheme_is_one_line_listing_the_entry_points_too(tmp_path: Path) -> None:
    info = tmp_path / "elsewhere-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: elsewhere\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nelsewhere = nowhere:open\n")
    done = _cli("nats://user:secret@host:4222", path=tmp_path)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(
        "python -m sdk.testing: error: no transport for 'nats://***@host:4222': "
        "nothing is registered for 'nats'; known schemes are "
    )
    assert "elsewhere://" in line  # the entry point, listed without being loaded
    assert "kafka://" in line
    assert "memory://" in line


def test_a_broker_that_cannot_be_reached_is_one_line_not_a_table_of_failures() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    done = _cli(f"kafka://127.0.0.1:{port}?request_timeout_ms=1000")
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(
        f"python -m sdk.testing: error: cannot connect to Kafka at 127.0.0.1:{port}: "
    )


class _LongWindedProducer(MemoryProducer):
    """Refuses headers, with an error far longer than a line, on two lines."""

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        *,
        partition: int | None = None,
        timestamp: float | None = None,
        headers: Headers = (),
    ) -> Acked:
        if headers:
            words = " ".join(f"word{i}" for i in range(150))
            raise SendError(f"{words} END-OF-LINE\nsecond line", topic=topic, partition=partition)
        return await super().send(topic, key, value, partition=partition, timestamp=timestamp)


class _LongWinded(_Broken):
    producer = _LongWindedProducer


def test_a_failure_s_detail_is_wrapped_never_cut(capsys: pytest.CaptureFixture[str]) -> None:
    register("long-winded", lambda url: _LongWinded())
    assert main(["long-winded://"]) == 1
    table = capsys.readouterr().out
    assert table.count("END-OF-LINE") == table.count("    second line") >= 1
    details = [line for line in table.splitlines() if line.startswith("    ")]
    # a word longer than the width (a reproduce_failure blob) is kept whole, never cut
    assert all(len(line) <= WIDTH or len(line.split()) == 1 for line in details), max(
        details, key=len
    )
    joined = " ".join(line.strip() for line in details)
    assert " ".join(f"word{i}" for i in range(150)) + " END-OF-LINE" in joined


def test_the_cli_shows_the_input_and_the_state_machine_s_steps(
    capsys: pytest.CaptureFixture[str],
) -> None:
    register("broken-headers-steps", lambda url: DropsHeaders())
    assert main(["broken-headers-steps://"]) == 1
    table = capsys.readouterr().out
    machine = table[table.index("state_machine ") :]
    assert "ContractError: TransportContract.headers_round_trip: sent headers" in machine
    assert "state = TransportMachineRun()" in machine
    assert "state.teardown()" in machine
    assert "Draw 1 (records):" in table[table.index("headers_round_trip") :]


def test_the_cli_flags_an_intermittent_failure_as_the_clause_s_own(
    capsys: pytest.CaptureFixture[str],
) -> None:
    register("broken-sometimes", lambda url: DropsHeadersSometimes())
    assert main(["broken-sometimes://"]) == 1
    table = capsys.readouterr().out
    assert (
        "ContractError: TransportContract.headers_round_trip (intermittent: failed once, "
        "passed on retry): sent headers"
    ) in " ".join(line.strip() for line in table.splitlines())
    assert "Flaky" not in table


def test_a_hung_example_says_what_hung_and_for_how_long() -> None:
    async def forever() -> None:
        await asyncio.Event().wait()

    token = PATIENCE.set(0.05)
    try:
        with pytest.raises(TimeoutError, match=r"forever did not finish within 0\.2 s"):
            run(forever())
    finally:
        PATIENCE.reset(token)


def test_a_short_read_says_what_it_awaited_how_long_and_what_came() -> None:
    async def short() -> None:
        transport = transport_for(f"memory://short-{uuid.uuid4().hex}")
        async with producing(transport, "t") as producer:
            await (await producer.send("t", None, b"one"))
            async with consuming(transport, ["t"]) as consumer:
                await read(consumer, 2, "C", "records of t")

    token = PATIENCE.set(0.2)
    try:
        with pytest.raises(ContractError) as caught:
            run(short())
    finally:
        PATIENCE.reset(token)
    assert str(caught.value) == "C: waited 0.2 s for 2 records of t; 1 arrived: t[0] offsets [0]"


def test_the_cli_tunes_a_kafka_transport_for_its_own_groups_where_the_url_leaves_it() -> None:
    url = "kafka://127.0.0.1:9?session_timeout_ms=10000"
    tuned, said = for_the_kit(transport_for(url))
    assert isinstance(tuned, KafkaTransport)
    assert tuned.with_defaults(**KAFKA_KIT_SETTINGS)[1] == {}  # each is set now
    assert "session_timeout_ms" not in said  # the user's own setting wins
    assert said == "heartbeat_interval_ms=500 metadata_max_age_ms=500 fetch_max_wait_ms=20"


def test_the_cli_runs_any_other_transport_as_it_is() -> None:
    transport = transport_for(f"memory://as-is-{uuid.uuid4().hex}")
    assert for_the_kit(transport) == (transport, "")


def test_the_cli_takes_the_shortest_session_the_broker_takes(
    request: pytest.FixtureRequest,
) -> None:
    """Tansu holds a join for half the session: the kit's groups join in 1 s, not 3."""
    broker = pick_broker(request, "tansu")
    tuned, said = for_the_kit(transport_for(broker.url))  # the URL alone, as a user's
    assert said.startswith("session_timeout_ms=2000 "), said
    assert isinstance(tuned, KafkaTransport)
    assert tuned.with_defaults(session_timeout_ms=6000)[1] == {}  # set now


def _meeting(name: str, meet: threading.Barrier, fails: bool = False) -> Clause:
    """A clause that passes (or fails) only once every other clause of ``meet`` has begun."""

    def runner(transport: TransportT, declared: frozenset[Capability], profile: Profile) -> None:
        meet.wait()  # a BrokenBarrierError, a failure, if the others do not run meanwhile
        if fails:
            raise ContractError(name, "as it should")

    return Clause(name, (), "", runner)


def test_clauses_run_at_once_and_are_reported_in_their_order() -> None:
    meet = threading.Barrier(3, timeout=30)
    clauses = [_meeting(f"C.{n}", meet, fails=n == "b") for n in "abc"]
    transport = transport_for(f"memory://jobs-{uuid.uuid4().hex}")
    got = [
        (c.name, result, detail)
        for c, (result, detail, _) in outcomes(clauses, transport, "quick", 3)
    ]
    assert got == [
        ("C.a", "pass", ""),
        ("C.b", "fail", "ContractError: C.b: as it should"),
        ("C.c", "pass", ""),
    ]


def test_the_kit_s_topics_keep_the_oldest_record_it_sends() -> None:
    """Timestamp 0 (1970) is the oldest: a broker keeping its default week would delete it at
    its next retention check, under the clause reading it (seen on Apache Kafka)."""
    retention = kit_topic().retention
    assert retention is not None
    assert retention > time.time() + 3600 * 24 * 365  # the age of 1970, and a year to spare
