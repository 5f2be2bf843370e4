"""What a contract clause reports: it does not hold, or it does not apply."""

from __future__ import annotations

from collections.abc import Sequence

from sdk.types import Capability


class ContractError(AssertionError):
    """A contract clause that does not hold, with the input it does not hold for.

    ``intermittent``: it failed once and passed when the same input was tried again, so the
    transport is flaky there; still the clause's failure, flagged so.
    """

    def __init__(self, clause: str, detail: str, *, intermittent: bool = False) -> None:
        flag = " (intermittent: failed once, passed on retry)" if intermittent else ""
        super().__init__(f"{clause}{flag}: {detail}")
        self.clause = clause
        self.detail = detail
        self.intermittent = intermittent

    @classmethod
    def of_intermittent(cls, clause: str, failures: Sequence[BaseException]) -> ContractError:
        """The first of the ``failures`` that did not repeat, as ``clause``'s own error."""
        first = failures[0] if failures else None
        if isinstance(first, ContractError):
            error = cls(first.clause, first.detail, intermittent=True)
        else:
            detail = f"{type(first).__name__}: {first}" if first else "no failure was kept"
            error = cls(clause, detail, intermittent=True)
        # the input (and a state machine's steps) it failed on; as hypothesis sets it, on
        # 3.10 too (where BaseException.__notes__ is not typed)
        setattr(error, "__notes__", notes(first))  # noqa: B010
        return error


def named(coro: object) -> str:
    """A coroutine's function name, to say what did not finish."""
    return str(getattr(coro, "__qualname__", coro))


def notes(error: BaseException | None) -> list[str]:
    """What hypothesis added to ``error``: the failing input, or a state machine's steps."""
    return list(getattr(error, "__notes__", ()))


class Undeclared(Exception):
    """A clause needs a capability the transport does not declare, or the test leaves out:
    a skip, by name, that says which of the two."""

    def __init__(
        self, clause: str, capability: Capability, url: str, *, left_out: bool = False
    ) -> None:
        why = (
            f"which {url} declares but the test leaves out (its capabilities)"
            if left_out
            else f"which {url} does not declare"
        )
        super().__init__(f"{clause} needs {capability!r}, {why}")
        self.clause = clause
        self.capability = capability
