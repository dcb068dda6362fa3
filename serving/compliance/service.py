"""Compliance checks for the API and CLI: load the brand's VI pack and logos, read assets, run the checker."""

from __future__ import annotations

import base64
import binascii
import io
import tempfile
from pathlib import Path
from threading import Lock

from fastapi import Request
from PIL import Image
from sqlalchemy.orm import Session

from asset_store.blobs import blob_key
from asset_store.errors import ObjectNotFound
from asset_store.models import Blob
from asset_store.repo.repository import AssetVersion, Repository
from compliance_rules.brand import VI_PATH, BrandVI
from compliance_rules.checker import Checker
from compliance_rules.errors import InvalidCheckInput
from compliance_rules.exceptions import ExceptionSet
from compliance_rules.loader import parse
from compliance_rules.media_checks import check_image, check_video
from compliance_rules.models import CheckResult, Finding
from compliance_rules.specs import MediaFacts, media_specs
from compliance_rules.taxonomy import resolve_industry, resolve_platform
from serving.assets.service import open_repo
from serving.assets.services import AssetServices
from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.compliance.schemas import CheckRequest, CheckResponse
from serving.reviews.feedback import brand_exceptions

_lock = Lock()
INLINE_MAX_CHARS = 2_000
"""Copy up to this long is checked on the event loop (well under 5 ms, the interpreter's thread switch
interval, so a worker thread would hold the GIL as long): no hand-off to the thread pool and back."""


def checker_of(request: Request) -> Checker:
    """The app's checker, built on first use (compiling every pack takes a moment)."""
    state = request.app.state
    checker: Checker | None = getattr(state, "checker", None)
    if checker is None:
        with _lock:
            checker = getattr(state, "checker", None)
            if checker is None:
                checker = Checker.builtin()
                state.checker = checker
    return checker


class BrandPacks:
    """Parsed brand VI packs and logo images by blob sha (they change only by a new commit)."""

    def __init__(self) -> None:
        self._packs: dict[str, BrandVI] = {}
        self._logos: dict[str, Image.Image] = {}
        self._lock = Lock()

    def load(self, session: Session, services: AssetServices, brand_id: str) -> tuple[BrandVI, str] | None:
        repo = services.repository(session, brand_id)
        try:
            version = repo.get("main", VI_PATH)
        except ObjectNotFound:
            return None
        sha = version.entry.blob
        label = f"{VI_PATH}@{version.commit_id[:12]}"
        with self._lock:
            cached = self._packs.get(sha)
        if cached is None:
            text = services.objects.read_bytes(blob_key(sha)).decode("utf-8", errors="replace")
            cached = parse(BrandVI, text, label)
            with self._lock:
                self._packs[sha] = cached
        return cached, label

    def logos(self, repo: Repository, services: AssetServices, brand: BrandVI) -> dict[str, Image.Image]:
        """The brand's logo images from ``main`` (missing ones are left out and reported by the check)."""
        found: dict[str, Image.Image] = {}
        for spec in brand.logos:
            try:
                sha = repo.get("main", spec.path).entry.blob
            except ObjectNotFound:
                continue
            with self._lock:
                image = self._logos.get(sha)
            if image is None:
                image = Image.open(io.BytesIO(services.objects.read_bytes(blob_key(sha))))
                image.load()
                with self._lock:
                    self._logos[sha] = image
            found[spec.path] = image
        return found


def brand_packs_of(request: Request) -> BrandPacks:
    state = request.app.state
    packs: BrandPacks | None = getattr(state, "brand_packs", None)
    if packs is None:
        with _lock:
            packs = getattr(state, "brand_packs", None) or BrandPacks()
            state.brand_packs = packs
    return packs


def _decode_image(data: bytes) -> Image.Image:
    from pipelines.ocr import decode_image

    try:
        return decode_image(data)
    except ValueError as exc:
        raise InvalidCheckInput(f"the image cannot be read: {exc}", code="invalid_image") from exc


def _image_b64(value: str) -> Image.Image:
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidCheckInput("image_base64 is not valid base64", code="invalid_image") from exc
    if len(data) > 10 * 2**20:
        raise InvalidCheckInput("the image is larger than 10 MB", code="image_too_large")
    return _decode_image(data)


class _Scope:
    def __init__(
        self,
        industry: str | None,
        platform: str | None,
        brand: BrandVI | None,
        logos: dict[str, Image.Image],
        exceptions: ExceptionSet | None = None,
    ) -> None:
        self.industry = resolve_industry(industry)
        self.platform = resolve_platform(platform)
        self.brand = brand
        self.logos = logos
        self.exceptions = exceptions


def _asset_findings(
    services: AssetServices, checker: Checker, session: Session, version: AssetVersion, scope: _Scope
) -> tuple[list[Finding], str | None]:
    """Findings of an image or video asset, or the text of a copy asset (checked with the copy)."""
    kind, sha = version.entry.kind, version.entry.blob
    blob = session.get(Blob, sha)
    facts = MediaFacts(
        blob.width if blob else None,
        blob.height if blob else None,
        blob.duration_s if blob else None,
        version.entry.size,
    )
    spec = checker.engine.specs.get(scope.platform) if scope.platform else None
    findings = media_specs(spec, scope.platform or "", facts) if spec is not None else []
    if kind == "copy":
        return findings, services.objects.read_bytes(blob_key(sha)).decode("utf-8", errors="replace")
    if kind == "image":
        image = _decode_image(services.objects.read_bytes(blob_key(sha)))
        checked = check_image(
            checker,
            image,
            industry=scope.industry,
            platform=scope.platform,
            brand=scope.brand,
            logos=scope.logos,
            exceptions=scope.exceptions,
        )
        return findings + checked, None
    if kind == "video":
        with tempfile.TemporaryDirectory(prefix="atelier-check-") as folder:
            path = Path(folder) / "video"
            services.objects.download(blob_key(sha), path)
            checked = check_video(
                checker,
                path,
                industry=scope.industry,
                platform=scope.platform,
                brand=scope.brand,
                logos=scope.logos,
                exceptions=scope.exceptions,
            )
            return findings + checked, None
    raise InvalidCheckInput(
        f"{kind} assets are not checked; check copy, image or video assets",
        code="unsupported_asset_kind",
        details={"kind": kind},
    )


def check(
    session: Session | None,
    services: AssetServices,
    checker: Checker,
    brand_packs: BrandPacks,
    caller: Caller,
    body: CheckRequest,
) -> CheckResponse:
    """Run one check request (``session`` is needed only with ``brand_id``)."""
    brand: BrandVI | None = None
    brand_label = asset_label = None
    logos: dict[str, Image.Image] = {}
    findings: list[Finding] = []
    text = body.text
    repo: Repository | None = None
    if body.brand_id is not None:
        assert session is not None
        repo = open_repo(session, services, caller, body.brand_id, Permission.BRAND_READ)
        loaded = brand_packs.load(session, services, body.brand_id)
        if loaded is not None:
            brand, brand_label = loaded
            logos = brand_packs.logos(repo, services, brand)
    exceptions = brand_exceptions(session, body.brand_id) if session and body.brand_id else None
    scope = _Scope(body.industry, body.platform, brand, logos, exceptions)
    if body.asset is not None and repo is not None and session is not None:
        version = repo.get(body.asset.ref, body.asset.path)
        asset_label = f"{version.path}@{version.commit_id[:12]}"
        asset_findings, asset_text = _asset_findings(services, checker, session, version, scope)
        findings += asset_findings
        text = asset_text if asset_text is not None else text
    if body.image_base64 is not None:
        findings += check_image(
            checker,
            _image_b64(body.image_base64),
            industry=scope.industry,
            platform=scope.platform,
            brand=brand,
            logos=logos,
            exceptions=exceptions,
        )
    has_copy = bool((text and text.strip()) or (body.title and body.title.strip()))
    if has_copy or (body.asset is None and body.image_base64 is None):  # empty copy alone: empty_text
        copy_findings = checker.copy_findings(
            text or "",
            title=body.title,
            industry=scope.industry,
            platform=scope.platform,
            brand=brand,
            media=_media(body),
            depth=body.depth,
            exceptions=exceptions,
        )
        findings = copy_findings + findings
    result = checker.result(findings, text, exceptions)
    return _response(result, brand_label, asset_label)


def runs_inline(body: CheckRequest) -> bool:
    """Whether the request is short copy alone at ``fast`` depth: no brand (database), asset (object store),
    image (OCR) or semantic model (milliseconds), at most INLINE_MAX_CHARS, so checking it costs less than
    handing it to a worker thread."""
    if body.brand_id is not None or body.asset is not None or body.image_base64 is not None:
        return False
    if body.depth != "fast":
        return False
    return len(body.text or "") + len(body.title or "") <= INLINE_MAX_CHARS


def _response(result: CheckResult, brand_vi: str | None, asset: str | None) -> CheckResponse:
    """The wire form of ``result``: its fields as they are (the findings are already validated models),
    not dumped to dicts and validated again."""
    fields = {name: getattr(result, name) for name in CheckResult.model_fields}
    return CheckResponse(**fields, brand_vi=brand_vi, asset=asset)


def check_version(
    session: Session,
    services: AssetServices,
    checker: Checker,
    brand_packs: BrandPacks,
    brand_id: str,
    version: AssetVersion,
    *,
    industry: str | None,
    platform: str | None,
) -> CheckResult:
    """Check one exact asset version of a brand (the review queue's AI level): its copy or pixels, the
    platform's specs, the brand's VI pack, with the brand's reviewed exceptions honoured."""
    brand: BrandVI | None = None
    logos: dict[str, Image.Image] = {}
    loaded = brand_packs.load(session, services, brand_id)
    if loaded is not None:
        brand = loaded[0]
        logos = brand_packs.logos(services.repository(session, brand_id), services, brand)
    scope = _Scope(industry, platform, brand, logos)
    findings, text = _asset_findings(services, checker, session, version, scope)
    exceptions = brand_exceptions(session, brand_id)
    if text is not None and text.strip():
        copy_findings = checker.copy_findings(
            text, industry=scope.industry, platform=scope.platform, brand=brand, exceptions=exceptions
        )
        findings = copy_findings + findings
    return checker.result(findings, text, exceptions)


def _media(body: CheckRequest) -> MediaFacts | None:
    if body.media is None:
        return None
    return MediaFacts(body.media.width, body.media.height, body.media.duration_s, body.media.size_bytes)
