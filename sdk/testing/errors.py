"""What a contract clause reports: it does not hold, or it does not apply."""

from __future__ import annotations

from sdk.types import Capability


class ContractError(AssertionError):
    """A contract clause that does not hold, with the input it does not hold for."""

    def __init__(self, clause: str, detail: str) -> None:
        super().__init__(f"{clause}: {detail}")
        self.clause = clause


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
