"""A merge, previewed: what it would change on the target and what the pre-merge gate would say, unsaved.

The real merge runs inside a savepoint that is always rolled back, with the repository's gate wrapped so
that it records its verdict instead of refusing: the preview cannot drift from what a merge does.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from asset_store.errors import MergeConflict
from asset_store.repo.gate import GateRequest, GateViolation, MergeGate
from asset_store.repo.repository import Repository
from asset_store.repo.tree import Change
from serving.assets import service
from serving.governance.schemas import GateViolationPublic, MergeOutcome, MergePreview, MergePreviewCreate

MAX_PREVIEW_CHANGES = 5000


class _RecordingGate:
    """Asks the real gate and keeps its answer and the changes it saw, but lets the merge through."""

    def __init__(self, gate: MergeGate) -> None:
        self.gate = gate
        self.changes: tuple[Change, ...] = ()
        self.violations: list[GateViolation] = []

    def check(self, session: Session, request: GateRequest) -> Sequence[GateViolation]:
        self.changes = request.changes
        self.violations = list(self.gate.check(session, request))
        return ()


def preview(repo: Repository, body: MergePreviewCreate, author_id: str) -> MergePreview:
    """Run the merge of ``body.source`` into ``body.target`` in a savepoint, report it, roll it back."""
    target_head = repo.branch(body.target).commit_id
    source_head = repo.resolve(body.source).id
    recorder = _RecordingGate(repo.gate)
    repo.gate, real_gate = recorder, repo.gate
    savepoint = repo.session.begin_nested()
    try:
        result = repo.merge(body.source, body.target, author_id=author_id, expected_target_head=target_head)
        outcome: MergeOutcome = result.outcome
        conflicts: list[str] = []
        count = 0
    except MergeConflict as exc:
        outcome = "conflict"
        listed = exc.details.get("conflicts", [])
        conflicts = [str(item.get("path", "")) for item in listed if isinstance(item, dict)]
        count = int(exc.details.get("count", len(conflicts)))
    finally:
        savepoint.rollback()
        repo.gate = real_gate
    changes = list(recorder.changes)
    return MergePreview(
        source=body.source,
        target=body.target,
        outcome=outcome,
        source_head=source_head,
        target_head=target_head,
        changes=[service.to_change(c) for c in changes[:MAX_PREVIEW_CHANGES]],
        truncated=len(changes) > MAX_PREVIEW_CHANGES,
        violations=[GateViolationPublic(**v.as_dict()) for v in recorder.violations],
        conflicts=conflicts,
        conflict_count=count,
        can_merge=outcome in ("fast_forward", "merge") and not recorder.violations,
    )
