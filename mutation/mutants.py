"""The mutants of a Python source file: each one small fault, made on its syntax tree.

Operators, each a fault a transport's author could make:

- ``compare``: ``<`` and ``<=``, ``>`` and ``>=`` swapped (off by one at a boundary); ``==`` and
  ``!=``, ``is`` and ``is not``, ``in`` and ``not in`` flipped;
- ``number``: an int constant ``n`` becomes ``n + 1``;
- ``offset``: a slice bound ``e`` becomes ``e + 1`` or ``e - 1``;
- ``arithmetic``: ``+`` and ``-``, ``|`` and ``&`` swapped, ``%`` becomes ``//``, also in
  ``+=`` and the like;
- ``condition``: the test of an ``if``, ``while`` or ``x if c else y`` negated (unless
  ``compare`` or ``negation`` makes that mutant already);
- ``negation``: ``not x`` becomes ``x``; ``True`` and ``False`` swapped;
- ``and/or``: ``and`` and ``or`` swapped;
- ``return None``: ``return e`` returns None instead;
- ``loop``: ``break`` and ``continue`` swapped;
- ``drop await``, ``drop call``, ``drop statement``: a statement in a function (an awaited
  call, a call, an assignment, a ``raise``, a whole ``if`` or ``for``) becomes ``pass``.

Docstrings, annotations, f-strings (error messages), imports and ``if TYPE_CHECKING:`` blocks
are left alone: a fault there changes no behaviour a test can see. A mutant is named by its
``key``: where it is (the enclosing function) and the line before and after, so a verdict on
it outlives edits elsewhere in the file.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Final, cast

_FLIPS: Final[dict[type[ast.cmpop], type[ast.cmpop]]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_SWAPS: Final[dict[type[ast.operator], type[ast.operator]]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.BitOr: ast.BitAnd,
    ast.BitAnd: ast.BitOr,
    ast.Mod: ast.FloorDiv,
}
_UNSEEN: Final = frozenset({"annotation", "returns", "decorator_list", "type_comment"})
"""Fields no mutant touches: annotations, and decorators (the code they wrap is mutated)."""
_REMOVABLE: Final = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Raise, ast.If)
_REMOVABLE_LOOPS: Final = (ast.For, ast.AsyncFor, ast.While, ast.Delete)


@dataclass(frozen=True)
class Mutant:
    """One fault in one file: the ``index``-th the operators make there, in tree order."""

    path: str
    index: int
    operator: str
    line: int
    scope: str
    before: str
    after: str
    occurrence: int = 1

    @property
    def key(self) -> str:
        """Where and what, stable while that function and line stay as they are."""
        again = f" #{self.occurrence}" if self.occurrence > 1 else ""
        return f"{self.scope}: {self.before} -> {self.after}{again}"

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def mutants(path: Path, root: Path) -> list[Mutant]:
    """Every mutant of the file at ``path``, named relative to ``root``."""
    source = path.read_text()
    base = ast.unparse(ast.parse(source)).splitlines()
    finder = _Mutator(None)
    finder.visit(ast.parse(source))
    found: list[Mutant] = []
    seen: dict[tuple[str, str, str], int] = {}
    name = path.relative_to(root).as_posix()
    for index in range(len(finder.sites)):
        operator, line, scope, before, after = describe(source, index, base)
        seen[scope, before, after] = occurrence = seen.get((scope, before, after), 0) + 1
        found.append(Mutant(name, index, operator, line, scope, before, after, occurrence))
    return found


def describe(
    source: str, index: int, base: list[str] | None = None
) -> tuple[str, int, str, str, str]:
    """The ``index``-th mutant's operator, line, scope, and its line before and after."""
    if base is None:
        base = ast.unparse(ast.parse(source)).splitlines()
    tree, mutator = _made(source, index)
    operator, line, scope = mutator.sites[index]
    before, after = _changed_line(base, ast.unparse(tree).splitlines())
    return operator, line, scope, before, after


def mutated(source: str, index: int) -> ast.Module:
    """The tree of ``source`` with its ``index``-th mutant made (none for a negative index)."""
    return _made(source, index)[0]


def _made(source: str, index: int) -> tuple[ast.Module, _Mutator]:
    tree = ast.parse(source)
    mutator = _Mutator(index)
    mutator.visit(tree)
    if index >= 0 and not mutator.made:
        raise IndexError(f"the source has {len(mutator.sites)} mutants, not {index + 1}")
    return ast.fix_missing_locations(tree), mutator


def _changed_line(base: list[str], other: list[str]) -> tuple[str, str]:
    for before, after in zip(base, other, strict=False):  # a dropped block is shorter
        if before != after:
            return before.strip(), after.strip()
    raise ValueError("the mutant changes nothing")  # every operator changes its line


class _Mutator(ast.NodeTransformer):
    """Finds every site an operator applies to, and makes the ``target``-th mutant."""

    def __init__(self, target: int | None) -> None:
        self.target = target
        self.sites: list[tuple[str, int, str]] = []
        self.made = False
        self._scope: list[str] = []
        self._functions = 0

    def _offer(self, node: ast.AST, operator: str, replacement: ast.AST) -> ast.AST | None:
        """Record a site; the replacement if it is the mutant to make."""
        index = len(self.sites)
        self.sites.append(
            (operator, getattr(node, "lineno", 0), ".".join(self._scope) or "<module>")
        )
        if index != self.target:
            return None
        self.made = True
        return ast.copy_location(replacement, node)

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for field, old in ast.iter_fields(node):
            if field in _UNSEEN:
                continue
            if isinstance(old, list):
                items = cast("list[object]", old)
                statements = [item for item in items if isinstance(item, ast.stmt)]
                if items and len(statements) == len(items):
                    setattr(node, field, self._statements(statements))
                else:
                    setattr(node, field, [self._visit(i) if i else i for i in items])
            elif isinstance(old, ast.AST):
                setattr(node, field, self.visit(old))
        return node

    def _visit(self, item: object) -> object:
        return self.visit(item) if isinstance(item, ast.AST) else item

    def _statements(self, body: list[ast.stmt]) -> list[ast.stmt]:
        kept: list[ast.stmt] = []
        for statement in body:
            if _docstring(statement) or _type_checking(statement):
                kept.append(statement)
                continue
            if self._functions and _removable(statement):
                pass_ = self._offer(statement, _dropping(statement), ast.Pass())
                if isinstance(pass_, ast.stmt):
                    kept.append(pass_)
                    continue
            new = self.visit(statement)
            kept.append(new if isinstance(new, ast.stmt) else statement)
        return kept

    def _scoped(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> ast.AST:
        self._scope.append(node.name)
        function = not isinstance(node, ast.ClassDef)
        self._functions += function
        try:
            return self.generic_visit(node)
        finally:
            self._functions -= function
            self._scope.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return self._scoped(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        return self._scoped(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        return self._scoped(node)

    def visit_Import(self, node: ast.Import) -> ast.AST:
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        for position, op in enumerate(node.ops):
            flip = _FLIPS.get(type(op))
            if flip is not None:
                new = copy.deepcopy(node)
                new.ops[position] = flip()
                if made := self._offer(node, "compare", new):
                    return made
        return self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        if made := self._offer(node, "and/or", ast.BoolOp(other, copy.deepcopy(node.values))):
            return made
        return self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        if isinstance(node.op, ast.Not) and (
            made := self._offer(node, "negation", copy.deepcopy(node.operand))
        ):
            return made
        return self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        swap = _SWAPS.get(type(node.op))
        if swap is not None:
            new = ast.BinOp(copy.deepcopy(node.left), swap(), copy.deepcopy(node.right))
            if made := self._offer(node, "arithmetic", new):
                return made
        return self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        swap = _SWAPS.get(type(node.op))
        if swap is not None:
            new = ast.AugAssign(copy.deepcopy(node.target), swap(), copy.deepcopy(node.value))
            if made := self._offer(node, "arithmetic", new):
                return made
        return self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value: object = node.value
        if isinstance(value, bool):
            if made := self._offer(node, "negation", ast.Constant(not value)):
                return made
        elif isinstance(value, int) and (
            made := self._offer(node, "number", ast.Constant(value + 1))
        ):
            return made
        return node

    def visit_Slice(self, node: ast.Slice) -> ast.AST:
        for bound in ("lower", "upper"):
            old = getattr(node, bound)
            if old is None:
                continue
            for step in (1, -1):
                new = copy.deepcopy(node)
                setattr(new, bound, _plus(old, step))
                if made := self._offer(old, "offset", new):
                    return made
        return self.generic_visit(node)

    def _negated_test(self, node: ast.If | ast.While | ast.IfExp) -> ast.AST | None:
        if _negates_itself(node.test):
            return None
        new = copy.deepcopy(node)
        new.test = ast.UnaryOp(ast.Not(), new.test)
        return self._offer(node, "condition", new)

    def visit_If(self, node: ast.If) -> ast.AST:
        return self._negated_test(node) or self.generic_visit(node)

    def visit_While(self, node: ast.While) -> ast.AST:
        return self._negated_test(node) or self.generic_visit(node)

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        return self._negated_test(node) or self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> ast.AST:
        value = node.value
        returns_none = value is None or (isinstance(value, ast.Constant) and value.value is None)
        if not returns_none and (
            made := self._offer(node, "return None", ast.Return(ast.Constant(None)))
        ):
            return made
        return self.generic_visit(node)

    def visit_Break(self, node: ast.Break) -> ast.AST:
        return self._offer(node, "loop", ast.Continue()) or node

    def visit_Continue(self, node: ast.Continue) -> ast.AST:
        return self._offer(node, "loop", ast.Break()) or node


def _negates_itself(test: ast.expr) -> bool:
    """A test whose negation another operator makes already: ``not x``, or one flippable ``==``."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return True
    return isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _FLIPS


def _plus(node: ast.expr, step: int) -> ast.expr:
    op: ast.operator = ast.Add() if step > 0 else ast.Sub()
    return ast.BinOp(copy.deepcopy(node), op, ast.Constant(abs(step)))


def _removable(statement: ast.stmt) -> bool:
    """A statement whose removal is a fault: not a bare annotation, which does nothing."""
    if isinstance(statement, ast.AnnAssign):
        return statement.value is not None
    return isinstance(statement, (*_REMOVABLE, *_REMOVABLE_LOOPS))


def _dropping(statement: ast.stmt) -> str:
    if isinstance(statement, ast.Expr):
        return "drop await" if isinstance(statement.value, ast.Await) else "drop call"
    return "drop statement"


def _docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def _type_checking(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.If) and ast.unparse(statement.test) == "TYPE_CHECKING"
