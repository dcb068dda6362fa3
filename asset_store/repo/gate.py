"""The pre-merge gate: a pluggable check that may refuse what lands on a branch, asset by asset.

It sees every way in: merges, direct commits and reverts, so a gate on ``main`` cannot be bypassed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from asset_store.repo.tree import Change


@dataclass(frozen=True)
class GateRequest:
    """A change about to land on ``target``: a merge (``source`` = the merged ref), a direct commit
    (``source`` = "commit") or a revert (``source`` = "revert:<commit>"), and what it changes there."""

    brand_id: str
    source: str
    target: str
    changes: tuple[Change, ...]
    records: dict[str, dict[str, Any]]
    """Record bodies (metadata) of the changed assets' new versions, by record id."""


@dataclass(frozen=True)
class GateViolation:
    """Why one asset may not enter the target."""

    path: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "code": self.code, "message": self.message}


class MergeGate(Protocol):
    """Decides whether a merge may land; returns violations (empty: allowed)."""

    def check(self, session: Session, request: GateRequest) -> Sequence[GateViolation]: ...


class AllowAllGate:
    """The gate with no opinion: every merge may land."""

    def check(self, session: Session, request: GateRequest) -> Sequence[GateViolation]:
        return ()


class ChainGate:
    """Runs several gates and reports every violation they find."""

    def __init__(self, gates: Sequence[MergeGate]) -> None:
        self._gates = tuple(gates)

    def check(self, session: Session, request: GateRequest) -> Sequence[GateViolation]:
        return [v for gate in self._gates for v in gate.check(session, request)]
