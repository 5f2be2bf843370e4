"""One mutant under the kit, in this (fresh) interpreter: ``python -m mutation.worker ...``.

An import hook puts the mutated tree in place of the module before anything of the SDK is
imported, so the transport, and everything that imports it, runs the mutant; the file on disk
is never touched. The kit's clauses then run in their order and stop at the first that fails.
The last line printed is ``RESULT {json}``: the outcome, the clause and its error's first line.
"""

from __future__ import annotations

import argparse
import importlib.abc
import importlib.machinery
import importlib.util
import json
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from .mutants import describe, mutated

RESULT: Final = "RESULT "


class _MutantFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``module`` as the compiled mutant; every other module as usual."""

    def __init__(self, module: str, path: Path, code: types.CodeType) -> None:
        self.module = module
        self.path = path
        self.code = code

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.module:
            return None
        return importlib.util.spec_from_file_location(fullname, self.path, loader=self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # the default module object

    def exec_module(self, module: types.ModuleType) -> None:
        exec(self.code, module.__dict__)


def install(module: str, path: Path, index: int, key: str | None) -> None:
    """Make ``module`` (whose source is ``path``) import as its ``index``-th mutant."""
    source = path.read_text()
    if index >= 0 and key is not None:
        _, _, scope, before, after = describe(source, index)
        found = f"{scope}: {before} -> {after}"
        if not key.startswith(found):  # the source changed since the mutant was listed
            raise SystemExit(f"mutant {index} of {path} is {found!r} now, not {key!r}")
    code = compile(mutated(source, index), str(path), "exec", dont_inherit=True)
    sys.meta_path.insert(0, _MutantFinder(module, path, code))


def check(url: str, profile: str, patience: float) -> dict[str, str | None]:
    """Run the kit's clauses on ``url`` until one fails: which one, and its error."""
    from sdk.impl.transports import transport_for
    from sdk.testing.contracts import TRANSPORT_CLAUSES
    from sdk.testing.errors import Undeclared
    from sdk.testing.profiles import Profile

    kit_profile: Profile = "long" if profile == "long" else "quick"
    try:
        transport = transport_for(url)
    except Exception as exc:  # noqa: BLE001 - a mutant that cannot even be opened is killed
        return _killed("(opening the transport)", exc)
    for clause in TRANSPORT_CLAUSES:
        try:
            clause.run(transport, profile=kit_profile, patience=patience)
        except Undeclared:
            continue
        except Exception as exc:  # noqa: BLE001 - whatever a clause raises is its failure
            return _killed(clause.name.partition(".")[2], exc)
    return {"outcome": "survived", "clause": None, "detail": None}


def _killed(clause: str, exc: BaseException) -> dict[str, str | None]:
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else ""
    return {"outcome": "killed", "clause": clause, "detail": f"{type(exc).__name__}: {first}"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mutation.worker", description=__doc__)
    parser.add_argument("--module", required=True, help="the module's import name")
    parser.add_argument("--file", required=True, type=Path, help="the module's source")
    parser.add_argument("--index", required=True, type=int, help="which mutant; -1: none")
    parser.add_argument("--key", help="the mutant's key, to refuse a source that changed")
    parser.add_argument("--url", required=True)
    parser.add_argument("--profile", choices=("quick", "long"), default="quick")
    parser.add_argument("--patience", type=float, default=2.0)
    args = parser.parse_args(argv)
    install(args.module, args.file, args.index, args.key)
    result = check(args.url, args.profile, args.patience)
    print(RESULT + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
