"""Runs mutants under the kit, each in its own interpreter with a time limit, a few at a time.

A mutant is *killed* when a clause fails on it (the first one that does is recorded), *timed
out* when its run outlives the limit (a hang the kit's own bounds did not catch: counted
apart, never as killed), and *survives* when every clause passes. The unmutated source must
survive first, or the figures would count the harness' own failures as kills.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, cast

from .mutants import Mutant, mutants
from .worker import RESULT

ROOT: Final = Path(__file__).resolve().parents[1]
REDIS_EXAMPLE: Final = ROOT / "examples" / "redis_transport"

Status = Literal["killed", "survived", "timed out"]


@dataclass(frozen=True)
class Source:
    """A module of a transport: its file and the name it is imported by."""

    path: Path
    module: str


@dataclass(frozen=True)
class Target:
    """A transport to mutate: its modules, and how patient the kit is with it."""

    name: str
    sources: tuple[Source, ...]
    patience: float
    """Seconds a clause waits for what should arrive: short, so a lost record fails fast."""


TARGETS: Final = {
    "memory": Target(
        "memory",
        (Source(ROOT / "sdk/impl/transports/memory.py", "sdk.impl.transports.memory"),),
        patience=2.0,
    ),
    "redis": Target(
        "redis",
        tuple(
            Source(REDIS_EXAMPLE / "sdk_redis" / f"{name}.py", f"sdk_redis.{name}")
            for name in ("calls", "consumer", "group", "producer", "records", "transport")
        ),
        patience=5.0,
    ),
}
"""``server.py`` of the redis example is left out: it starts the tests' server, not the
transport."""


@dataclass(frozen=True)
class Outcome:
    """What the kit made of one mutant in one profile."""

    mutant: Mutant
    profile: str
    status: Status
    clause: str | None
    detail: str | None
    seconds: float


@contextlib.contextmanager
def url_for(target: Target) -> Generator[str, None, None]:
    """A URL of the target's transport for the whole run: a server is started if it needs one."""
    if target.name == "memory":
        yield "memory://"  # a new broker in every worker's interpreter
        return
    # The example's own throwaway server; imported by name, as the example is not a package
    # of this repository's (its tests put it on the path the same way).
    server = importlib.import_module("sdk_redis.server")
    redis_server = cast("Callable[[], contextlib.AbstractContextManager[str]]", server.redis_server)
    with redis_server() as url:  # every clause names its topics afresh: one server is enough
        yield url


def listed(target: Target, sample: int | None = None) -> list[tuple[Source, Mutant]]:
    """The target's mutants; with ``sample``, that many per file, evenly spread and fixed."""
    found: list[tuple[Source, Mutant]] = []
    for source in target.sources:
        every = mutants(source.path, ROOT)
        if sample is not None and sample < len(every):
            every = [every[i * len(every) // sample] for i in range(sample)]
        found += [(source, mutant) for mutant in every]
    return found


def run_one(
    source: Source, mutant: Mutant | None, url: str, profile: str, patience: float, limit: float
) -> tuple[Status, str | None, str | None, float]:
    """Run the kit on one mutant (None: the source as it is) in a fresh interpreter."""
    command = [
        sys.executable,
        "-m",
        "mutation.worker",
        f"--module={source.module}",
        f"--file={source.path}",
        f"--index={-1 if mutant is None else mutant.index}",
        f"--url={url}",
        f"--profile={profile}",
        f"--patience={patience}",
    ]
    if mutant is not None:
        command.append(f"--key={mutant.key}")
    paths = [str(ROOT), str(REDIS_EXAMPLE), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    started = time.perf_counter()
    if _stopping.is_set():
        raise RuntimeError("the run is being stopped")
    with subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: a timeout ends all it started
    ) as process:
        with _lock:
            _running.add(process)
        try:
            out, err = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            return "timed out", None, f"no result within {limit:.0f} s", limit
        finally:
            with _lock:
                _running.discard(process)
    took = time.perf_counter() - started
    for line in reversed(out.splitlines()):
        if line.startswith(RESULT):
            result = json.loads(line.removeprefix(RESULT))
            return result["outcome"], result["clause"], result["detail"], took
    # No result line: the interpreter died under the mutant (a crash the kit would see too).
    tail = " / ".join(err.strip().splitlines()[-2:]) or "no output"
    return "killed", f"(exit {process.returncode})", tail, took


_running: set[subprocess.Popen[str]] = set()
_lock = threading.Lock()
_stopping = threading.Event()


def stop_all() -> None:
    """End every worker still running, and all it started (a server, a broker client)."""
    _stopping.set()
    with _lock:
        for process in _running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)


def run_all(
    target: Target,
    todo: Iterable[tuple[Source, Mutant]],
    url: str,
    profile: str,
    limit: float,
    jobs: int,
    progress: Callable[[Outcome], None],
) -> list[Outcome]:
    """Every mutant of ``todo`` in ``profile``, ``jobs`` at a time, in the order given."""

    def one(item: tuple[Source, Mutant]) -> Outcome:
        source, mutant = item
        status, clause, detail, took = run_one(source, mutant, url, profile, target.patience, limit)
        outcome = Outcome(mutant, profile, status, clause, detail, took)
        progress(outcome)
        return outcome

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, todo))


def baseline(target: Target, url: str, profile: str, limit: float) -> float:
    """Seconds the kit takes on the unmutated target; it must pass, or nothing is measured."""
    took = 0.0
    for source in target.sources[:1]:  # each worker imports the whole transport: one suffices
        status, clause, detail, took = run_one(source, None, url, profile, target.patience, limit)
        if status != "survived":
            raise SystemExit(
                f"the unmutated {target.name} transport does not pass the {profile} profile "
                f"({status}: {clause}: {detail}); fix that before measuring"
            )
    return took
