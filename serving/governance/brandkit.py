"""The brand kit (VI pack) for the studio's editor: read it as data, validate it, commit it as YAML.

The pack stays the YAML file ``brand/vi.yaml`` of the brand's repository (what the compliance checks
and generation jobs read); this module only translates between that file and the editor's form.
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy.orm import Session

from asset_store.blobs import Spool, blob_key
from asset_store.errors import InvalidAsset, ObjectNotFound, RefNotFound
from asset_store.media import AssetKind
from asset_store.models import BlobGrant
from asset_store.repo.repository import DEFAULT_BRANCH, PutAsset, Repository
from compliance_rules.brand import VI_PATH, BrandVI
from compliance_rules.errors import RulePackError
from compliance_rules.loader import parse
from serving.assets.ingest import ingest
from serving.assets.services import AssetServices
from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.errors import InvalidInput
from serving.governance.schemas import BrandKitPublic, KitFile, KitProblem, KitSave, KitValidation

KIT_PREFIX = "brand/"
"""Everything the brand kit commits lives here (the merge gate lets this prefix through unreviewed)."""


def problems_of(exc: ValidationError) -> list[KitProblem]:
    """Pydantic errors as problems addressed by dotted field path (what the editor's form uses)."""
    return [
        KitProblem(
            field=".".join(str(part) for part in error["loc"]),
            error=str(error["msg"]).removeprefix("Value error, "),
            type=str(error["type"]),
        )
        for error in exc.errors()
    ]


def validate(data: dict[str, Any]) -> tuple[BrandVI | None, list[KitProblem]]:
    """The pack, or the problems that keep it from being one."""
    try:
        return BrandVI.model_validate(data), []
    except ValidationError as exc:
        return None, problems_of(exc)


def to_yaml(vi: BrandVI) -> str:
    """The pack as the YAML file it is stored as: schema order, defaults left out, Chinese kept readable."""
    data = vi.model_dump(mode="json", exclude_defaults=True)
    data = {"brand": vi.brand, "version": vi.version, **data}
    text: str = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)
    return text


def validation(data: dict[str, Any]) -> KitValidation:
    """What the editor shows when asked to validate: problems, or the YAML that would be committed."""
    vi, problems = validate(data)
    return KitValidation(valid=vi is not None, problems=problems, yaml=to_yaml(vi) if vi else None)


def _file_problems(exc: RulePackError, draft: dict[str, Any] | None) -> list[KitProblem]:
    """Problems of a stored file: typed by field (from the draft) with the line the loader found."""
    listed = exc.details.get("problems")
    lines = {
        str(p.get("field") or ""): p.get("line")
        for p in (listed if isinstance(listed, list) else [])
        if isinstance(p, dict)
    }
    if draft is not None:
        _, problems = validate(draft)
        if problems:
            return [p.model_copy(update={"line": lines.get(p.field)}) for p in problems]
    return [KitProblem(field="", error=exc.message, type="invalid_yaml", line=exc.details.get("line"))]


def _mapping(text: str) -> dict[str, Any] | None:
    """The YAML as a mapping with string keys, or None (no aliases: the upload check refuses them)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else None


def _exists(repo: Repository, commit_id: str, path: str) -> bool:
    try:
        repo.get(commit_id, path)
    except (ObjectNotFound, InvalidAsset):
        return False
    return True


def read(repo: Repository, services: AssetServices, ref: str) -> BrandKitPublic:
    """The pack at ``ref``: parsed, or (if the stored file is invalid) its text and problems."""
    head = repo.resolve(ref).id
    kit = BrandKitPublic(ref=ref, head=head, path=VI_PATH, exists=False)
    try:
        version = repo.get(head, VI_PATH)
    except ObjectNotFound:
        return kit
    kit.exists, kit.blob = True, version.entry.blob
    kit.text = services.objects.read_bytes(blob_key(kit.blob)).decode("utf-8", errors="replace")
    try:
        kit.vi = parse(BrandVI, kit.text, VI_PATH)
    except RulePackError as exc:
        kit.draft = _mapping(kit.text)
        kit.problems = _file_problems(exc, kit.draft)
        return kit
    kit.missing_logos = [logo.path for logo in kit.vi.logos if not _exists(repo, head, logo.path)]
    return kit


def _check_logos(session: Session, brand_id: str, files: list[KitFile]) -> None:
    """New logo files go under ``brand/`` (never over the pack itself) and must be images of this brand."""
    for file in files:
        if not file.path.startswith(KIT_PREFIX) or file.path == VI_PATH:
            raise InvalidInput(
                f"brand kit files go under {KIT_PREFIX!r} (not {VI_PATH!r}): {file.path!r}",
                code="invalid_kit_file",
                extra={"path": file.path},
            )
        grant = session.get(BlobGrant, (brand_id, file.blob))
        if grant is not None and grant.kind != AssetKind.image.value:
            raise InvalidInput(
                f"{file.path!r} is a {grant.kind}, not an image",
                code="invalid_kit_file",
                extra={"path": file.path, "kind": grant.kind},
            )


def _ensure_branch(repo: Repository, caller: Caller, brand_id: str, body: KitSave) -> bool:
    """Create ``body.branch`` from ``body.from_ref`` unless it exists; True when it was created."""
    try:
        repo.branch(body.branch)
        return False
    except RefNotFound:
        if body.branch == DEFAULT_BRANCH:
            raise
    caller.require(Permission.ASSETS_WRITE, brand_id)
    repo.create_branch(body.branch, body.from_ref, author_id=caller.principal_id)
    return True


def store_yaml(session: Session, services: AssetServices, brand_id: str, text: str, actor_id: str) -> str:
    """Store the pack's bytes like an upload (validated as a brand kit) and return their sha256."""
    with Spool(services.tmp_dir, services.limits.limit_for(AssetKind.brand_kit)) as spool:
        spool.write(text.encode("utf-8"))
        spooled = spool.finish()
        ingest(
            session,
            services,
            brand_id,
            spooled,
            declared_kind=AssetKind.brand_kit,
            declared_content_type="application/yaml",
            filename="vi.yaml",
            actor_id=actor_id,
        )
        return spooled.sha256


def valid_pack(data: dict[str, Any]) -> BrandVI:
    """The pack, or 422 ``invalid_brand_kit`` with every problem by field."""
    vi, problems = validate(data)
    if vi is None:
        raise InvalidInput(
            f"the VI pack is not valid: {len(problems)} problem(s)",
            code="invalid_brand_kit",
            extra={"problems": [p.model_dump() for p in problems]},
        )
    return vi


def save(
    session: Session, services: AssetServices, repo: Repository, caller: Caller, brand_id: str, body: KitSave
) -> tuple[str, bool, list[PutAsset]]:
    """Validate, store the YAML, make the branch if needed; returns (sha, created branch, changes)."""
    vi = valid_pack(body.vi)
    _check_logos(session, brand_id, body.logos)
    created = _ensure_branch(repo, caller, brand_id, body)
    sha = store_yaml(session, services, brand_id, to_yaml(vi), caller.principal_id)
    changes = [PutAsset(VI_PATH, sha), *(PutAsset(f.path, f.blob) for f in body.logos)]
    return sha, created, changes
