"""The figures of a run as Markdown tables, for the terminal and for docs/kit.md.

Per file and profile: mutants, killed, timed out, survived, and the share of the mutants that
are not equivalent which the kit killed. The long profile runs only on what survived the
quick one, so its kills are the quick kills plus the long-only kills.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .harness import Outcome
from .verdicts import EQUIVALENT, GAPS


@dataclass
class _Row:
    mutants: int = 0
    quick_killed: int = 0
    quick_timed_out: int = 0
    long_killed: int = 0
    long_timed_out: int = 0
    survived: int = 0
    equivalent: int = 0


def verdict(path: str, key: str) -> str:
    if key in EQUIVALENT.get(path, {}):
        return f"equivalent: {EQUIVALENT[path][key]}"
    if key in GAPS.get(path, {}):
        return f"gap: {GAPS[path][key]}"
    return "not judged yet"


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "-"


def render(title: str, quick: Sequence[Outcome], long: Sequence[Outcome] | None) -> str:
    """The run's tables: figures per file, then every mutant that survived the quick profile."""
    later = {o.mutant.key + o.mutant.path: o for o in long or ()}
    rows: dict[str, _Row] = {}
    survivors: list[tuple[Outcome, Outcome | None]] = []
    finals: dict[tuple[str, str], str] = {}
    for outcome in quick:
        row = rows.setdefault(outcome.mutant.path, _Row())
        row.mutants += 1
        final = outcome
        if outcome.status == "killed":
            row.quick_killed += 1
        elif outcome.status == "timed out":
            row.quick_timed_out += 1
        else:
            final = later.get(outcome.mutant.key + outcome.mutant.path, outcome)
            survivors.append((outcome, later.get(outcome.mutant.key + outcome.mutant.path)))
        finals[final.mutant.path, final.mutant.key] = final.status
        if final.status == "killed":
            row.long_killed += 1
        elif final.status == "timed out":
            row.long_timed_out += 1
        else:
            row.survived += 1
            row.equivalent += final.mutant.key in EQUIVALENT.get(final.mutant.path, {})
    total = _Row()
    for row in rows.values():
        for field in vars(total):
            setattr(total, field, getattr(total, field) + getattr(row, field))
    long_run = long is not None
    lines = [f"### {title}", ""]
    head = "| file | mutants | equivalent | quick: killed | timed out | killed % |"
    rule = "| --- | ---: | ---: | ---: | ---: | ---: |"
    if long_run:
        head += " long: killed | timed out | killed % |"
        rule += " ---: | ---: | ---: |"
    lines += [head + " survived |", rule + " ---: |"]
    for name, row in [*sorted(rows.items()), ("all", total)] if len(rows) > 1 else rows.items():
        useful = row.mutants - row.equivalent
        cells = [
            f"`{name}`" if name != "all" else "**all**",
            str(row.mutants),
            str(row.equivalent),
            str(row.quick_killed),
            str(row.quick_timed_out),
            _percent(row.quick_killed, useful),
        ]
        if long_run:
            cells += [
                str(row.long_killed),
                str(row.long_timed_out),
                _percent(row.long_killed, useful),
            ]
        cells.append(str(row.survived))
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "killed % = killed / (mutants - equivalent); a timed-out mutant is not counted as killed.",
        "",
    ]
    if survivors:
        lines += [
            "| where | operator | mutant | long | verdict |",
            "| --- | --- | --- | --- | --- |",
        ]
        for first, then in survivors:
            m = first.mutant
            if then is None:
                fate = "not run"
            elif then.status == "killed":
                fate = f"killed by `{then.clause}`"
            else:
                fate = then.status
            mutant = m.key.replace("|", "\\|")
            still = then is None or then.status == "survived"
            judged = verdict(m.path, m.key) if still else "-"
            lines.append(f"| `{m.where}` | {m.operator} | `{mutant}` | {fate} | {judged} |")
        lines.append("")
    stale = sorted(
        f"{path}: {key}"
        for (path, key), status in finals.items()
        if status != "survived" and key in {**EQUIVALENT.get(path, {}), **GAPS.get(path, {})}
    )
    if stale:
        lines += ["Verdicts on mutants that are killed now (delete them):", ""]
        lines += [f"- `{key}`" for key in stale] + [""]
    return "\n".join(lines)
