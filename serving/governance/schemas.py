"""Wire format of the governance routes: the brand kit read, validated and saved as a commit; branch heads."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from compliance_rules.brand import BrandVI
from serving.assets.schemas import (
    AssetPath,
    ChangePublic,
    CommitId,
    CommitPublic,
    RefName,
    RefPublic,
    RefSpec,
    Sha256,
)
from serving.schemas_common import RequestModel

MAX_KIT_FILES = 20


class KitProblem(BaseModel):
    """One reason a VI pack is invalid, addressed by its field path (``palette.0.hex``)."""

    field: str = Field(description="Dotted path of the field, e.g. 'palette.0.hex'; '' for the document.")
    error: str = Field(description="What is wrong, in plain words.")
    type: str = Field(description="Machine-readable kind of error, e.g. 'string_pattern_mismatch'.")
    line: int | None = Field(default=None, description="Line in the stored YAML, when read from a file.")


class BrandKitPublic(BaseModel):
    """The brand's VI pack as of ``ref``: parsed when valid, else the problems and the raw text."""

    ref: str
    head: str = Field(description="The commit ``ref`` points to (pass it as expected_head when saving).")
    path: str = Field(description="Where the pack lives in the repository.")
    exists: bool = Field(description="False when the brand has no VI pack at this ref yet.")
    blob: str | None = None
    vi: BrandVI | None = Field(default=None, description="The parsed pack (null if absent or invalid).")
    problems: list[KitProblem] = Field(default_factory=list, description="Why the stored pack is invalid.")
    draft: dict[str, Any] | None = Field(
        default=None,
        description="The stored YAML as data when it parses but is not a valid pack (to fix it).",
    )
    text: str | None = Field(default=None, description="The stored YAML as it is.")
    missing_logos: list[str] = Field(
        default_factory=list, description="Logo paths the pack names that are not in the repository at ref."
    )


class KitValidate(RequestModel):
    vi: dict[str, Any] = Field(description="A VI pack in the shape of BrandVI.")


class KitValidation(BaseModel):
    valid: bool
    problems: list[KitProblem] = Field(default_factory=list)
    yaml: str | None = Field(default=None, description="The YAML that would be committed (when valid).")


class KitFile(RequestModel):
    """An uploaded logo image to commit with the pack, under ``brand/``."""

    path: AssetPath
    blob: Sha256


class KitSave(RequestModel):
    """Validate the pack and commit it (with any new logos) to ``branch`` as ``brand/vi.yaml``."""

    vi: dict[str, Any] = Field(description="A VI pack in the shape of BrandVI.")
    branch: RefName = Field(default="main", description="main publishes at once; a branch is for review.")
    from_ref: RefSpec = Field(default="main", description="Where to start ``branch`` if it does not exist.")
    message: str | None = Field(default=None, max_length=5000, description="Commit message.")
    expected_head: CommitId | None = Field(
        default=None, description="Fail with 409 ref_moved unless the branch is still at this commit."
    )
    logos: list[KitFile] = Field(
        default_factory=list, max_length=MAX_KIT_FILES, description="Uploaded logo images to commit with it."
    )


class KitSaved(BaseModel):
    branch: str
    created_branch: bool = Field(description="True when the branch was made for this save.")
    path: str
    blob: str
    commit: CommitPublic


class BranchHead(BaseModel):
    """A branch and the commit at its head (message, author, time)."""

    ref: RefPublic
    head: CommitPublic


MergeOutcome = Literal["up_to_date", "fast_forward", "merge", "conflict"]


class MergePreviewCreate(RequestModel):
    source: RefSpec
    target: RefName = Field(default="main")


class GateViolationPublic(BaseModel):
    """Why the pre-merge gate would refuse one asset."""

    path: str
    code: str = Field(description="not_reviewed, review_pending, not_approved, …")
    message: str


class MergePreview(BaseModel):
    """What merging ``source`` into ``target`` would do now; nothing is written."""

    source: str
    target: str
    outcome: MergeOutcome
    source_head: str
    target_head: str = Field(description="Pass it as expected_target_head so the merge is the one previewed.")
    changes: list[ChangePublic] = Field(description="What the merge would change on the target.")
    truncated: bool
    violations: list[GateViolationPublic] = Field(description="Assets the pre-merge gate would refuse.")
    conflicts: list[str] = Field(description="Paths changed differently on both sides (first ones).")
    conflict_count: int
    can_merge: bool = Field(description="True when the merge would land now.")
