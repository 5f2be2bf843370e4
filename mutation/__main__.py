"""``python -m mutation``: mutate the reference transports, run the kit on each mutant, report.

Every mutant runs the quick profile first; those that survive it run the long one. Run it
under ``CI=true`` (as ``make mutation`` does) so hypothesis is derandomized and the figures
reproduce. The report (Markdown) is printed and written to ``.mutation/report.md``, each
outcome to ``.mutation/TARGET.json``; progress, one line a mutant, goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from dataclasses import asdict
from pathlib import Path

from .harness import (
    ROOT,
    TARGETS,
    Outcome,
    Source,
    Target,
    baseline,
    listed,
    run_all,
    stop_all,
    url_for,
)
from .mutants import Mutant
from .report import render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mutation", description=__doc__)
    parser.add_argument(
        "--target",
        action="append",
        choices=sorted(TARGETS),
        help="a transport to mutate (repeatable; default: all)",
    )
    parser.add_argument(
        "--sample", type=int, help="only this many mutants per file, evenly spread and fixed"
    )
    parser.add_argument(
        "--profile",
        choices=("quick", "long"),
        default="long",
        help="quick: the quick profile only; long (default): then the long one on survivors",
    )
    parser.add_argument("--jobs", type=int, default=2, help="mutants run at once (default 2)")
    parser.add_argument(
        "--limit",
        type=float,
        help="seconds one mutant may take before it counts as timed out "
        "(default: 10 times the unmutated run, at least 30)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / ".mutation")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _terminated)
    try:
        return _run(args)
    except BaseException:  # interrupted or failed: leave no worker or server behind
        stop_all()
        raise


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _run(args: argparse.Namespace) -> int:
    args.out.mkdir(parents=True, exist_ok=True)
    sections: list[str] = []
    for name in args.target or sorted(TARGETS):
        target = TARGETS[name]
        todo = listed(target, args.sample)
        print(f"{name}: {len(todo)} mutants", file=sys.stderr)
        with url_for(target) as url:
            quick = _profile(target, todo, url, "quick", args.limit, args.jobs)
            long: list[Outcome] | None = None
            if args.profile == "long":
                survivors = [
                    (s, o.mutant)
                    for (s, _), o in zip(todo, quick, strict=True)
                    if o.status == "survived"
                ]
                long = _profile(target, survivors, url, "long", args.limit, args.jobs)
        (args.out / f"{name}.json").write_text(
            json.dumps([asdict(o) for o in (*quick, *(long or ()))], indent=1)
        )
        sections.append(render(f"`{name}://`", quick, long))
    report = "\n".join(sections)
    (args.out / "report.md").write_text(report)
    print(report)
    return 0


def _profile(
    target: Target,
    todo: list[tuple[Source, Mutant]],
    url: str,
    profile: str,
    limit: float | None,
    jobs: int,
) -> list[Outcome]:
    """Every mutant of ``todo`` in ``profile``, after the unmutated source passed it."""
    limit = limit or max(30.0, 10 * baseline(target, url, profile, 600.0))
    print(
        f"{target.name} {profile}: {len(todo)} mutants, {limit:.0f} s each at most", file=sys.stderr
    )
    lock = threading.Lock()
    done = [0]

    def progress(outcome: Outcome) -> None:
        with lock:
            done[0] += 1
            m = outcome.mutant
            by = f" by {outcome.clause}" if outcome.clause else ""
            print(
                f"[{done[0]}/{len(todo)}] {profile} {m.where} {m.operator}: {outcome.status}{by}"
                f" ({outcome.seconds:.1f} s)",
                file=sys.stderr,
                flush=True,
            )

    return run_all(target, todo, url, profile, limit, jobs, progress)


if __name__ == "__main__":
    sys.exit(main())
