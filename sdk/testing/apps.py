"""The app contract: what ``sdk.App`` promises its users, run on top of a transport.

The transport contract checks the SPI one call at a time; this one checks what a user of the
SDK relies on, through ``App`` and its topics, on any transport: two apps of one id split the
partitions and together see every event once; a restarted app resumes after its last acked
event; an undecodable message follows its topic's policy (``raise``, ``skip`` or a
``DeadLetter`` topic); and stopping an app sends what it was given. Every example starts apps
(each a group join on a broker), so the profiles run few of them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

from hypothesis import given, seed, settings
from hypothesis import strategies as st

from sdk.errors import DecodeError
from sdk.impl.app import App
from sdk.impl.events import Event
from sdk.impl.topic import ERROR_HEADER, ORIGIN_HEADER, Topic
from sdk.types import (
    TP,
    Capability,
    ConsumerT,
    DeadLetter,
    DecodeErrorPolicy,
    FutureMessage,
    PartitionsCallback,
    ProducerT,
    TransportT,
)
from sdk.types._vars import VT

from .clauses import Clause
from .errors import ContractError
from .profiles import Profile, clause_seed, kit_settings
from .sessions import PATIENCE, POLL, consuming, fresh_name, grace_after, run

__all__ = ["APP_CLAUSES", "AppContract"]

Check = Callable[[TransportT, frozenset[Capability], st.DataObject], Coroutine[Any, Any, None]]
Examples = dict[Profile, int]

APP_CLAUSES: list[Clause] = []
"""The app contract's clauses, in the order they are registered below."""

UNDECODABLE: Final = (b'"seven"', b"{", b"\xff\xfe", b"1.5")
"""Values an ``int`` topic cannot decode (its codec is JSON): a string, broken JSON, not
UTF-8, a float."""


class AppContract:
    """What ``sdk.App`` promises on a transport, one test per clause.

    Provide a pytest fixture ``transport`` (any scope; the same one ``TransportContract``
    takes): every app of a clause is made with ``App(id, broker=transport)``, each on topics
    and ids named afresh. Clauses whose capability the transport does not declare are skipped
    by name; ``capabilities`` and ``profile`` work as on ``TransportContract``.
    """

    capabilities: ClassVar[frozenset[Capability] | None] = None
    profile: ClassVar[Profile] = "quick"

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        for clause in APP_CLAUSES:
            setattr(cls, f"test_{clause.name.partition('.')[2]}", clause.as_test())


def app_clause(*needs: Capability, examples: Examples) -> Callable[[Check], Check]:
    """Register an async check as a clause of the app contract, run for ``examples`` (per
    profile) hypothesis examples, each on a new event loop."""

    def register(check: Check) -> Check:
        name = f"AppContract.{check.__name__.lstrip('_')}"

        def runner(
            transport: TransportT, declared: frozenset[Capability], profile: Profile
        ) -> None:
            @seed(clause_seed(name))
            @settings(kit_settings(profile, "consuming"), max_examples=examples[profile])
            @given(data=st.data())
            def cases(data: st.DataObject) -> None:
                run(check(transport, declared, data))

            cases()

        APP_CLAUSES.append(Clause(name, needs, (check.__doc__ or "").strip(), runner))
        return check

    return register


# -- apps, topics and reading ---------------------------------------------------------------

IntTopic = Topic[bytes, int]


def int_topic(
    app: App,
    name: str,
    *,
    partitions: int | None = None,
    on_decode_error: DecodeErrorPolicy = "raise",
) -> IntTopic:
    """``name`` on ``app`` with int values (JSON); internal, so created, if ``partitions``."""
    return app.topic(
        name,
        key_type=bytes,
        value_type=int,
        partitions=partitions,
        internal=partitions is not None,
        on_decode_error=on_decode_error,
    )


def raw_topic(app: App, name: str, *, partitions: int | None = None) -> Topic[bytes, bytes]:
    """``name`` on ``app`` with the bytes of its values as they are."""
    return app.topic(
        name,
        key_type=bytes,
        value_type=bytes,
        value_serializer="raw",
        partitions=partitions,
        internal=partitions is not None,
    )


@contextlib.asynccontextmanager
async def running(app: App, *consumed: Topic[Any, Any]) -> AsyncGenerator[App, None]:
    """``app`` started, reading ``consumed`` from the start (one group join for them all),
    and stopped however the block ends."""
    for topic in consumed:
        app.consume(topic)
    async with app:
        yield app


def place(event: Event[bytes, VT]) -> str:
    """Where an event was read, and its value: ``topic[partition]@offset=value``."""
    message = event.message
    return f"{message.topic}[{message.partition}]@{message.offset}={event.value!r}"


def places(events: Sequence[Event[bytes, VT]]) -> list[str]:
    return [place(event) for event in events]


async def read_events(
    topic: Topic[bytes, VT],
    count: int,
    clause: str,
    what: str,
    *,
    grace: bool = True,
    each: Callable[[Sequence[Event[bytes, VT]]], None] | None = None,
) -> list[Event[bytes, VT]]:
    """The next ``count`` events of ``topic``, each acked as the next is read; a clause error
    if they do not come within the patience. ``each`` is given what was read so far as each
    event comes (to fail at once on one out of place). With ``grace``, reads on (which acks
    the last): an event then is one too many."""
    loop = asyncio.get_running_loop()
    wait = PATIENCE.get()
    start = loop.time()
    got: list[Event[bytes, VT]] = []
    while len(got) < count:
        left = start + wait - loop.time()
        try:
            got.append(await topic.get(timeout=max(left, 0.0)))
            if each is not None:
                each(got)
        except TimeoutError:
            raise ContractError(
                clause,
                f"waited {wait} s for {count} {what}; {len(got)} arrived: {places(got)}",
            ) from None
    if grace:
        took = grace_after(loop.time() - start)
        await nothing_more(topic, took, clause, f"{count} {what} ({places(got)})")
    return got


async def nothing_more(topic: Topic[bytes, VT], grace: float, clause: str, after: str) -> None:
    """Read ``topic`` for ``grace`` seconds: an event, or a decode error, is a clause error."""
    try:
        extra = await topic.get(timeout=grace)
    except TimeoutError:
        return
    except DecodeError as error:
        raise ContractError(clause, f"after {after} a decode error came too: {error}") from error
    raise ContractError(clause, f"after {after} read {place(extra)} too")


@dataclass
class Watched:
    """The transport under test, keeping the consumers it makes by group: to see how a group
    shares out partitions. Otherwise just the transport."""

    transport: TransportT
    members: dict[str, list[ConsumerT]] = field(default_factory=dict[str, list[ConsumerT]])

    @property
    def url(self) -> str:
        return self.transport.url

    @property
    def capabilities(self) -> frozenset[Capability]:
        return self.transport.capabilities

    def create_producer(self) -> ProducerT:
        return self.transport.create_producer()

    def create_consumer(
        self,
        group_id: str,
        *,
        on_assigned: PartitionsCallback | None = None,
        on_revoked: PartitionsCallback | None = None,
    ) -> ConsumerT:
        consumer = self.transport.create_consumer(
            group_id, on_assigned=on_assigned, on_revoked=on_revoked
        )
        self.members.setdefault(group_id, []).append(consumer)
        return consumer


async def settled(watched: Watched, group: str, want: frozenset[TP], clause: str) -> None:
    """Until both members of ``group`` hold a partition and together all of ``want``."""
    loop = asyncio.get_running_loop()
    wait = PATIENCE.get()
    deadline = loop.time() + wait
    while True:
        held = [m.assignment() & want for m in watched.members.get(group, [])]
        if len(held) == 2 and all(held) and held[0] | held[1] == want:
            return
        if loop.time() > deadline:
            raise ContractError(
                clause,
                f"waited {wait} s for two apps of id {group!r} to share out "
                f"{_tps(want)}; they hold {[_tps(h) for h in held]}",
            )
        await asyncio.sleep(POLL)


def _tps(tps: frozenset[TP]) -> str:
    return ", ".join(f"{tp.topic}[{tp.partition}]" for tp in sorted(tps)) or "nothing"


# -- the clauses ------------------------------------------------------------------------------


@app_clause("consumer_groups", "partitions", examples={"quick": 2, "long": 10})
async def _one_id_splits_the_partitions(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """Two apps of one id split the partitions (each reads some, none is read by both) and
    together see every event sent once they share them out, once, and nothing more."""
    name = "AppContract.one_id_splits_the_partitions"
    topic = fresh_name("split")
    partitions = data.draw(st.integers(2, 4), "partitions")
    per_partition = data.draw(
        st.lists(st.integers(1, 4), min_size=partitions, max_size=partitions),
        "events per partition",
    )
    group = fresh_name("app")
    watched = Watched(transport)
    async with App(fresh_name("sender"), broker=transport) as sender:
        out = int_topic(sender, topic, partitions=partitions)
        await out.declare()
        a, b = App(group, broker=watched), App(group, broker=watched)
        ins = {"a": int_topic(a, topic), "b": int_topic(b, topic)}
        async with running(a, ins["a"]), running(b, ins["b"]):
            await settled(watched, group, frozenset(TP(topic, p) for p in range(partitions)), name)
            sent: dict[tuple[int, int], int] = {}
            value = 0
            for partition, count in enumerate(per_partition):
                for _ in range(count):
                    metadata = await out.send_and_wait(value=value, partition=partition)
                    sent[metadata.partition, metadata.offset] = value
                    value += 1
            seen = await _read_both(ins, len(sent), name)
    _check_split(name, topic, sent, seen)


async def _read_both(
    topics: Mapping[str, IntTopic], count: int, clause: str
) -> dict[str, list[Event[bytes, int]]]:
    """What each app reads until ``count`` arrived between them, and a grace period on."""
    loop = asyncio.get_running_loop()
    seen: dict[str, list[Event[bytes, int]]] = {label: [] for label in topics}
    enough = asyncio.Event()

    async def read(label: str) -> None:
        while True:
            seen[label].append(await topics[label].get())
            if sum(map(len, seen.values())) >= count:
                enough.set()

    readers = {asyncio.ensure_future(read(label)) for label in topics}
    waiting = asyncio.ensure_future(enough.wait())
    try:
        wait = PATIENCE.get()
        start = loop.time()
        await asyncio.wait({waiting, *readers}, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
        for reader in readers:
            if reader.done():
                reader.result()  # a reader's error, as it is
        if not enough.is_set():
            raise ContractError(
                clause,
                f"waited {wait} s for {count} events read between two apps of one id; "
                f"{_seen(seen)}",
            )
        await asyncio.wait(readers, timeout=grace_after(loop.time() - start))
    finally:
        for task in (waiting, *readers):
            task.cancel()
        await asyncio.gather(waiting, *readers, return_exceptions=True)
    return seen


def _seen(seen: Mapping[str, Sequence[Event[bytes, int]]]) -> str:
    return "; ".join(f"app {label} read {places(got)}" for label, got in seen.items())


def _check_split(
    clause: str,
    topic: str,
    sent: Mapping[tuple[int, int], int],
    seen: Mapping[str, Sequence[Event[bytes, int]]],
) -> None:
    readers: dict[tuple[int, int], list[str]] = {}
    partitions: dict[str, set[int]] = {label: set() for label in seen}
    for label, events in seen.items():
        for event in events:
            where = (event.message.partition, event.message.offset)
            readers.setdefault(where, []).append(label)
            partitions[label].add(where[0])
            if sent.get(where) != event.value:
                raise ContractError(
                    clause,
                    f"app {label} read {place(event)}, where {sent.get(where)!r} was sent",
                )
    for (partition, offset), labels in sorted(readers.items()):
        if len(labels) > 1:
            raise ContractError(
                clause,
                f"{topic}[{partition}]@{offset} was read {len(labels)} times (by apps "
                f"{', '.join(labels)}): expected once, by one of them; {_seen(seen)}",
            )
    if missing := sorted(set(sent) - set(readers)):
        raise ContractError(clause, f"nobody read {missing} of {topic}; {_seen(seen)}")
    a, b = partitions.values()
    if a & b:
        raise ContractError(
            clause, f"both apps read partitions {sorted(a & b)} of {topic}; {_seen(seen)}"
        )
    for label, held in partitions.items():
        if not held:
            raise ContractError(clause, f"app {label} read no partition of {topic}")


@dataclass(frozen=True)
class Run:
    """One run of an app before a restart: how many events it reads and acks (each by moving
    on to the next; the last with ``ack()``), and whether it then reads one more, not acked."""

    acks: int
    one_more: bool

    @property
    def reads(self) -> int:
        return self.acks + self.one_more


@app_clause("durable_commits", examples={"quick": 1, "long": 10})
async def _restart_resumes_after_the_last_ack(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """An app of the same id, started again, reads each partition from the event after the
    last one acked: none acked is read again, none after it is skipped, one read but not
    acked comes again; the last run reads what is left and nothing more."""
    name = "AppContract.restart_resumes_after_the_last_ack"
    topic = fresh_name("restart")
    partitions = data.draw(st.integers(1, 3), "partitions") if "partitions" in declared else 1
    where = data.draw(st.lists(st.integers(0, partitions - 1), min_size=2, max_size=12), "events")
    runs: list[Run] = []
    left = len(where)
    for _ in range(data.draw(st.integers(1, 2), "restarts")):
        if left < 2:  # the last run reads at least one
            break
        acks = data.draw(st.integers(1, left - 1), f"run {len(runs) + 1} acks")
        runs.append(Run(acks, data.draw(st.booleans(), f"run {len(runs) + 1} reads one more")))
        left -= acks
    group = fresh_name("app")
    log = Log(topic, [[] for _ in range(partitions)])
    for number, current in enumerate([*runs, None], start=1):
        app = App(group, broker=transport)
        events = int_topic(app, topic)
        if number == 1:
            async with app:
                out = int_topic(app, topic, partitions=partitions)
                for value, partition in enumerate(where):
                    metadata = await out.send_and_wait(value=value, partition=partition)
                    log.offsets[partition].append(metadata.offset)
        count = current.reads if current else log.left()
        what = f"events of {topic} in run {number} of {len(runs) + 1} ({log.next()} on)"
        log.run(number)
        async with running(app, events):
            got = await read_events(
                events, count, name, what, grace=current is None, each=log.in_place
            )
            if current:
                got[current.acks - 1].ack()  # the ones before it were acked by moving on
        if current:
            log.acked(got[-1].message.partition if current.one_more else None)


@dataclass
class Log:
    """What the restart clause sent to a topic, what is acked of it, and what the current run
    of the app read: per partition, in order."""

    topic: str
    offsets: list[list[int]]
    """Per partition, the offsets sent to it."""
    done: list[int] = field(default_factory=list[int])
    """Per partition, how many of them are acked: a restarted app reads on from there."""
    read: list[int] = field(default_factory=list[int])
    number: int = 0

    def run(self, number: int) -> None:
        self.done = self.done or [0] * len(self.offsets)
        self.read = [0] * len(self.offsets)
        self.number = number

    def left(self) -> int:
        return sum(map(len, self.offsets)) - sum(self.done)

    def next(self) -> str:
        done = self.done or [0] * len(self.offsets)
        return ", ".join(
            f"{self.topic}[{p}]@{sent[d]}" if d < len(sent) else f"nothing of {self.topic}[{p}]"
            for p, (sent, d) in enumerate(zip(self.offsets, done, strict=True))
        )

    def in_place(self, got: Sequence[Event[bytes, int]]) -> None:
        """The event just read is the next of its partition: a clause error if not."""
        partition, offset = got[-1].message.partition, got[-1].message.offset
        sent, index = self.offsets[partition], self.done[partition] + self.read[partition]
        if index >= len(sent) or offset != sent[index]:
            expected = f"@{sent[index]} was next" if index < len(sent) else "had no more"
            raise ContractError(
                "AppContract.restart_resumes_after_the_last_ack",
                f"run {self.number} read {self.topic}[{partition}]@{offset} where "
                f"{self.topic}[{partition}]{expected}: after the acks before it, it was to read "
                f"on from {self.next()}; it read {places(got)}",
            )
        self.read[partition] += 1

    def acked(self, one_more: int | None) -> None:
        """The run acked what it read, but for one more read of partition ``one_more``."""
        if one_more is not None:
            self.read[one_more] -= 1
        self.done = [done + more for done, more in zip(self.done, self.read, strict=True)]


def undecodable_records(data: st.DataObject) -> tuple[list[int | None], list[bytes]]:
    """Values sent, ``None`` where one cannot be decoded (at least one), and the bytes of each."""
    good = data.draw(st.lists(st.booleans(), min_size=1, max_size=8), "decodable")
    bad = data.draw(st.integers(0, len(good) - 1), "one that surely is not")
    values: list[int | None] = []
    payloads: list[bytes] = []
    for index, ok in enumerate(good):
        if ok and index != bad:
            values.append(index)
            payloads.append(str(index).encode())
        else:
            values.append(None)
            payloads.append(data.draw(st.sampled_from(UNDECODABLE), f"bytes of {index}"))
    return values, payloads


async def send_records(app: App, topic: str, payloads: Sequence[bytes]) -> list[int]:
    """Send ``payloads`` to a new one-partition ``topic`` as they are; their offsets."""
    out = raw_topic(app, topic, partitions=1)
    return [(await out.send_and_wait(value=payload)).offset for payload in payloads]


async def done_with(
    transport: TransportT, group: str, topic: str, end: int, clause: str, policy: str
) -> None:
    """The app of ``group`` that stopped committed ``topic[0]`` at ``end``, past every message:
    the undecodable ones are done (raised, skipped or dead-lettered), so a restart does not
    meet them again. Asks a consumer of the group that subscribes to nothing: no join."""
    async with consuming(transport, (), group=group) as consumer:
        at = await consumer.committed(TP(topic, 0))
    if at != end:
        raise ContractError(
            clause,
            f"the app of id {group!r} ({policy}) stopped with {topic}[0] committed at {at}; "
            f"expected {end}, past its last message (a restart would read on from "
            f"{'the start' if at is None else f'@{at}'})",
        )


@app_clause(examples={"quick": 1, "long": 10})
async def _decode_errors_raise(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """With ``on_decode_error="raise"`` each undecodable message raises a ``DecodeError``
    naming its topic, partition and offset, in its turn among the events; iterating goes on
    after it, and (with durable commits) the app commits past it: a restart does not raise it
    again."""
    name = "AppContract.decode_errors_raise"
    topic, group = fresh_name("raise"), fresh_name("app")
    values, payloads = undecodable_records(data)
    app = App(group, broker=transport)
    events = int_topic(app, topic, on_decode_error="raise")
    async with app:
        offsets = await send_records(app, topic, payloads)
    async with running(app, events):
        loop = asyncio.get_running_loop()
        start = loop.time()
        got: list[str] = []
        for value, offset, payload in zip(values, offsets, payloads, strict=True):
            expected = f"{topic}[0]@{offset}=" + ("?" if value is None else f"{value}")
            try:
                event = await events.get(timeout=PATIENCE.get())
            except TimeoutError:
                raise ContractError(
                    name, f"waited {PATIENCE.get()} s for {expected}; before it came {got}"
                ) from None
            except DecodeError as error:
                if value is not None:
                    raise ContractError(
                        name, f"a decode error came where {expected} was sent: {error}"
                    ) from error
                if (error.topic, error.partition, error.offset) != (topic, 0, offset):
                    raise ContractError(
                        name,
                        f"the decode error of {topic}[0]@{offset} names topic {error.topic!r} "
                        f"partition {error.partition} offset {error.offset}: {error}",
                    ) from error
                got.append(f"{topic}[0]@{offset} raised")
                continue
            if value is None or (event.message.offset, event.value) != (offset, value):
                raise ContractError(
                    name,
                    f"read {place(event)} where {expected} was sent ({payload!r}); "
                    f"before it came {got}",
                )
            got.append(place(event))
        took = grace_after(loop.time() - start)
        await nothing_more(events, took, name, f"the {len(got)} messages ({got})")
    if "durable_commits" in declared:
        await done_with(transport, group, topic, len(offsets), name, "raise")


@app_clause(examples={"quick": 1, "long": 10})
async def _decode_errors_skip(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """With ``on_decode_error="skip"`` the events that decode come in order, and nothing of
    the rest; (with durable commits) the app commits past them all."""
    name = "AppContract.decode_errors_skip"
    topic, group = fresh_name("skip"), fresh_name("app")
    values, payloads = undecodable_records(data)
    values.append(len(values))  # read last, it says that all before it were dealt with
    payloads.append(str(len(payloads)).encode())
    app = App(group, broker=transport)
    events = int_topic(app, topic, on_decode_error="skip")
    async with app:
        offsets = await send_records(app, topic, payloads)
    expected = [(o, v) for o, v in zip(offsets, values, strict=True) if v is not None]
    async with running(app, events):
        got = await read_events(events, len(expected), name, f"decodable events of {topic}")
    if [(e.message.offset, e.value) for e in got] != expected:
        raise ContractError(
            name,
            f"read {places(got)}; expected the decodable ones, at (offset, value) {expected}, "
            f"of {list(zip(offsets, payloads, strict=True))}",
        )
    if "durable_commits" in declared:
        await done_with(transport, group, topic, len(offsets), name, "skip")


@app_clause("headers", examples={"quick": 1, "long": 10})
async def _decode_errors_dead_letter(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """With ``on_decode_error=DeadLetter(topic)`` the events that decode come in order, and
    each of the rest goes to the dead-letter topic as it was (bytes and headers), with headers
    saying where it came from and why it did not decode; (with durable commits) the app commits
    past them all."""
    name = "AppContract.decode_errors_dead_letter"
    topic, dead, group = fresh_name("dlt"), fresh_name("dead"), fresh_name("app")
    values, payloads = undecodable_records(data)
    app = App(group, broker=transport)
    events = int_topic(app, topic, on_decode_error=DeadLetter(dead))
    letters = raw_topic(app, dead)
    async with app:
        await raw_topic(app, dead, partitions=1).declare()
        out = raw_topic(app, topic, partitions=1)
        offsets = [
            (await out.send_and_wait(value=payload, headers=[("kit", str(i).encode())])).offset
            for i, payload in enumerate(payloads)
        ]
    sent = list(zip(offsets, values, payloads, strict=True))
    expected = [(o, v) for o, v, _ in sent if v is not None]
    undecodable = [(i, o, p) for i, (o, v, p) in enumerate(sent) if v is None]
    async with running(app, events, letters):
        got = await read_events(events, len(expected), name, f"decodable events of {topic}")
        if [(e.message.offset, e.value) for e in got] != expected:
            raise ContractError(
                name,
                f"read {places(got)}; expected the decodable ones, at (offset, value) {expected}",
            )
        what = f"dead letters in {dead} of {topic}'s undecodable {undecodable}"
        for letter, (index, offset, payload) in zip(
            await read_events(letters, len(undecodable), name, what), undecodable, strict=True
        ):
            _check_letter(name, letter, topic, index, offset, payload)
    if "durable_commits" in declared:
        await done_with(transport, group, topic, len(offsets), name, f"dead letters to {dead}")


def _check_letter(
    clause: str, letter: Event[bytes, bytes], topic: str, index: int, offset: int, payload: bytes
) -> None:
    origin = f"{topic}/0/{offset}".encode()
    headers = list(letter.headers)
    why = dict(headers).get(ERROR_HEADER, b"").decode(errors="replace")
    if (
        letter.value != payload
        or headers[:1] != [("kit", str(index).encode())]
        or dict(headers).get(ORIGIN_HEADER) != origin
        or f"offset {offset}" not in why
    ):
        raise ContractError(
            clause,
            f"{topic}[0]@{offset} ({payload!r}, headers [('kit', {str(index).encode()!r})]) was "
            f"dead-lettered as {letter.value!r} with headers {headers}; expected its bytes, its "
            f"headers, then {ERROR_HEADER!r} naming offset {offset} and {ORIGIN_HEADER!r} "
            f"{origin!r}",
        )


SENDS: Final = ("send_soon", "send", "send_and_wait")
"""How an app sends; the first two do not wait for the broker's answer."""


@app_clause(examples={"quick": 1, "long": 10})
async def _stop_loses_nothing(
    transport: TransportT, declared: frozenset[Capability], data: st.DataObject
) -> None:
    """An app stopped right after sending (``send_soon``, ``send`` not awaited further, or
    ``send_and_wait``; the last one not waited for) has sent it all when ``stop`` returns:
    every future resolved to where the event landed, every callback called once, and every
    event there to read, once."""
    name = "AppContract.stop_loses_nothing"
    topic = fresh_name("stop")
    partitions = data.draw(st.integers(1, 3), "partitions") if "partitions" in declared else 1

    def sends(kinds: Sequence[str], most: int) -> st.SearchStrategy[list[tuple[str, int, bool]]]:
        one = st.tuples(st.sampled_from(kinds), st.integers(0, partitions - 1), st.booleans())
        return st.lists(one, min_size=1 if most == 1 else 0, max_size=most)

    how = data.draw(sends(SENDS, 11), "sends (how, partition, with a callback)")
    how += data.draw(sends(SENDS[:2], 1), "the last send, not waited for")
    calls = [0] * len(how)
    answers: dict[int, FutureMessage[bytes, int]] = {}
    landed: dict[tuple[int, int], int] = {}
    """Where each send said its event landed: (partition, offset) to value."""

    def counter(index: int) -> Callable[[FutureMessage[bytes, int]], None]:
        def callback(_: FutureMessage[bytes, int]) -> None:
            calls[index] += 1

        return callback

    async with App(fresh_name("sender"), broker=transport) as sender:
        out = int_topic(sender, topic, partitions=partitions)
        await out.declare()
        for value, (send, partition, calls_back) in enumerate(how):
            callback = counter(value) if calls_back else None
            if send == "send_soon":
                answers[value] = out.send_soon(value=value, partition=partition, callback=callback)
            elif send == "send":
                answers[value] = await out.send(value=value, partition=partition, callback=callback)
            else:
                metadata = await out.send_and_wait(
                    value=value, partition=partition, callback=callback
                )
                landed[metadata.partition, metadata.offset] = value
    for value, (send, partition, calls_back) in enumerate(how):
        what = f"the {send} of {value} to {topic}[{partition}]"
        answer = answers.get(value)
        if answer is not None:
            if not answer.done():
                raise ContractError(name, f"{what} is not done after stop")
            metadata = answer.result()
            if (metadata.topic, metadata.partition) != (topic, partition):
                raise ContractError(name, f"{what} resolved to {metadata}")
            landed[metadata.partition, metadata.offset] = value
        if calls[value] != int(calls_back):
            raise ContractError(
                name,
                f"the callback of {what} was called {calls[value]} times by the end of stop; "
                f"expected {int(calls_back)}",
            )
    reader = App(fresh_name("reader"), broker=transport)
    events = int_topic(reader, topic)
    async with running(reader, events):
        got = await read_events(events, len(how), name, f"events sent to {topic} before stop")
    if sorted(e.value for e in got) != list(range(len(how))):
        raise ContractError(name, f"read {places(got)} after sending 0..{len(how) - 1} as {how}")
    for event in got:
        where = (event.message.partition, event.message.offset)
        if landed.get(where) != event.value:
            raise ContractError(
                name,
                f"read {place(event)}, where {landed.get(where)!r} landed; sent {how}",
            )
