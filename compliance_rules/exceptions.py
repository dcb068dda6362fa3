"""Reviewed exceptions: findings a brand's reviewers marked as false alarms, excused for that brand.

An exception names a rule and the (normalised) text it matched; a later finding of the same rule on the
same text is excused: reported under ``excused`` with the exception's id, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from compliance_rules.models import ExcusedFinding, Finding
from compliance_rules.normalize import normalize

MAX_MATCHED_CHARS = 200


def matched_key(matched: str) -> str:
    """What an exception compares: the matched text normalised (case, width, script, separators)."""
    return normalize(matched).text.strip()[:MAX_MATCHED_CHARS]


@dataclass(frozen=True)
class Excuse:
    """One reviewed exception: ``rule_id`` on ``matched`` (already a :func:`matched_key`)."""

    id: str
    rule_id: str
    matched: str


class ExceptionSet:
    """The active exceptions of one brand, looked up by (rule id, matched key)."""

    def __init__(self, exceptions: Iterable[Excuse] = ()) -> None:
        self._by_key = {(e.rule_id, e.matched): e.id for e in exceptions}

    def __len__(self) -> int:
        return len(self._by_key)

    def excuse(self, finding: Finding) -> str | None:
        """The id of the exception that excuses ``finding``, if any."""
        if not self._by_key or not finding.matched:
            return None
        return self._by_key.get((finding.rule_id, matched_key(finding.matched)))

    def split(self, findings: Sequence[Finding]) -> tuple[list[Finding], list[ExcusedFinding]]:
        """Findings that stand, and those excused (with the exception that excused each)."""
        kept: list[Finding] = []
        excused: list[ExcusedFinding] = []
        for finding in findings:
            exception_id = self.excuse(finding)
            if exception_id is None:
                kept.append(finding)
            else:
                excused.append(ExcusedFinding(finding=finding, exception_id=exception_id))
        return kept, excused
