"""Compliance checks for the API and CLI: load the brand's VI pack, read assets, run the checker."""

from __future__ import annotations

from threading import Lock

from fastapi import Request
from sqlalchemy.orm import Session

from asset_store.blobs import blob_key
from asset_store.errors import ObjectNotFound
from compliance_rules.brand import VI_PATH, BrandVI
from compliance_rules.checker import Checker
from compliance_rules.errors import InvalidCheckInput
from compliance_rules.loader import parse
from compliance_rules.specs import MediaFacts
from serving.assets.service import open_repo
from serving.assets.services import AssetServices
from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.compliance.schemas import CheckRequest, CheckResponse

_lock = Lock()


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
    """Parsed brand VI packs by blob sha (a pack changes only by a new commit, i.e. new bytes)."""

    def __init__(self) -> None:
        self._packs: dict[str, BrandVI] = {}
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


def brand_packs_of(request: Request) -> BrandPacks:
    state = request.app.state
    packs: BrandPacks | None = getattr(state, "brand_packs", None)
    if packs is None:
        with _lock:
            packs = getattr(state, "brand_packs", None) or BrandPacks()
            state.brand_packs = packs
    return packs


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
    brand_label: str | None = None
    asset_label: str | None = None
    text, media = body.text, _media(body)
    if body.brand_id is not None:
        assert session is not None
        repo = open_repo(session, services, caller, body.brand_id, Permission.BRAND_READ)
        loaded = brand_packs.load(session, services, body.brand_id)
        if loaded is not None:
            brand, brand_label = loaded
        if body.asset is not None:
            version = repo.get(body.asset.ref, body.asset.path)
            asset_label = f"{version.path}@{version.commit_id[:12]}"
            if version.entry.kind != "copy":
                raise InvalidCheckInput(
                    f"checking {version.entry.kind} assets through this route is not available yet; "
                    "send the copy as text",
                    code="unsupported_asset_kind",
                    details={"kind": version.entry.kind},
                )
            raw = services.objects.read_bytes(blob_key(version.entry.blob))
            text = raw.decode("utf-8", errors="replace")
    result = checker.check_copy(
        text or "", title=body.title, industry=body.industry, platform=body.platform, brand=brand, media=media
    )
    return CheckResponse(**result.model_dump(), brand_vi=brand_label, asset=asset_label)


def _media(body: CheckRequest) -> MediaFacts | None:
    if body.media is None:
        return None
    return MediaFacts(body.media.width, body.media.height, body.media.duration_s, body.media.size_bytes)
