"""What a contract clause reports: it does not hold, or it does not apply."""

from __future__ import annotations

from sdk.types import Capability


class ContractError(AssertionError):
    """A contract clause that does not hold, with the input it does not hold for."""

    def __init__(self, clause: str, detail: str) -> None:
        super().__init__(f"{clause}: {detail}")
        self.clause = clause


class Undeclared(Exception):
    """A clause needs a capability the transport does not declare: a skip, by name."""

    def __init__(self, clause: str, capability: Capability, url: str) -> None:
        super().__init__(f"{clause} needs {capability!r}, which {url} does not declare")
        self.clause = clause
        self.capability = capability
