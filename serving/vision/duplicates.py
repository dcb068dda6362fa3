"""Near-duplicates: perceptual-hash distance (mirror images considered) or image-embedding cosine.

Candidates come from the image index (nearest neighbours) and from exact pHash matches in SQL; each is
then judged on both signals: ``hamming <= max_hamming`` (pHash bits, the smaller of straight and
mirrored) or ``cosine >= min_cosine``. Both values are reported, whichever decided. The closest
embedding candidates that neither signal took get a keypoint check (``pipelines.vision.keypoints``):
off-centre crops defeat the hashes and often sit below the cosine cut.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PIL import Image
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from asset_store.blobs import blob_key
from asset_store.errors import ObjectNotFound, StorageUnavailable
from asset_store.vectors import VectorFilter
from pipelines.vision.types import ImageHashes
from serving.vision.models import SearchDoc
from serving.vision.runtime import VisionRuntime, image_collection

NEIGHBOURS = 50
VERIFY_MIN_COSINE = 0.6
"""Embedding candidates at least this close, not matched otherwise, get a keypoint check."""
VERIFY_CANDIDATES = 4
"""At most this many keypoint checks per probe (each reads and decodes the candidate: ~10-20 ms)."""


@dataclass(frozen=True)
class Probe:
    """The image being compared: its embedding (with its encoder), hashes and blob."""

    encoder: str | None
    embedding: Sequence[float] | None
    hashes: dict[str, str] | None
    blob: str | None = None
    ref: tuple[str, str] | None = None
    """(branch, path) when the image is an asset of the brand (it is not its own duplicate)."""
    data: bytes | None = None
    """The encoded image when it is not in the object store (uploaded for a check)."""


@dataclass(frozen=True)
class Match:
    branch: str
    path: str
    blob: str
    kind: str
    hamming: int | None
    cosine: float | None
    identical: bool
    reasons: tuple[str, ...]


def _hashes(doc: SearchDoc) -> ImageHashes | None:
    if not (doc.phash and doc.dhash and doc.phash_flipped):
        return None
    return ImageHashes(
        phash=doc.phash, dhash=doc.dhash, phash_flipped=doc.phash_flipped, phash_centre=doc.phash_centre
    )


def _neighbours(
    runtime: VisionRuntime, brand_id: str, branch: str | None, probe: Probe, limit: int
) -> dict[tuple[str, str], float]:
    if probe.encoder is None or not probe.embedding:
        return {}
    try:
        hits = runtime.vectors.search(
            image_collection(probe.encoder),
            probe.embedding,
            filter=VectorFilter(brand_id=brand_id, branch=branch),
            limit=limit,
        )
    except ObjectNotFound:
        return {}
    return {(str(h.payload.get("branch")), str(h.payload.get("path"))): h.score for h in hits}


def _docs(
    session: Session, brand_id: str, branch: str | None, keys: Iterable[tuple[str, str]], probe: Probe
) -> list[SearchDoc]:
    keyed = sorted(set(keys))
    conditions: list[ColumnElement[bool]] = []
    paths = sorted({p for _, p in keyed})
    if paths:
        conditions.append(SearchDoc.path.in_(paths))
    if probe.hashes:
        names = ("phash", "phash_flipped", "phash_centre")
        conditions.append(SearchDoc.phash.in_([probe.hashes[n] for n in names if probe.hashes.get(n)]))
    if probe.blob:
        conditions.append(SearchDoc.blob == probe.blob)
    if not conditions:
        return []
    stmt = select(SearchDoc).where(SearchDoc.brand_id == brand_id, or_(*conditions))
    if branch is not None:
        stmt = stmt.where(SearchDoc.branch == branch)
    return list(session.scalars(stmt))


def find_duplicates(
    runtime: VisionRuntime,
    session: Session,
    brand_id: str,
    probe: Probe,
    *,
    branch: str | None = None,
    exclude: frozenset[tuple[str, str]] = frozenset(),
    neighbours: int = NEIGHBOURS,
) -> list[Match]:
    """Assets of the brand (on ``branch``, or all branches) that look like ``probe``, closest first."""
    from pipelines.vision.hashing import hash_distance  # imports OpenCV: at use, not with the API

    max_hamming, min_cosine = runtime.max_hamming(), runtime.settings.duplicate_min_cosine
    cosines = _neighbours(runtime, brand_id, branch, probe, neighbours)
    probe_hashes = ImageHashes(**probe.hashes) if probe.hashes else None
    matches: list[Match] = []
    unverified: list[tuple[float, SearchDoc, int | None]] = []
    for doc in _docs(session, brand_id, branch, cosines, probe):
        key = (doc.branch, doc.path)
        if key in exclude:
            continue
        cosine = cosines.get(key)
        doc_hashes = _hashes(doc)
        hamming = hash_distance(probe_hashes, doc_hashes) if probe_hashes and doc_hashes else None
        identical = probe.blob is not None and doc.blob == probe.blob
        reasons = [
            reason
            for reason, hit in (
                ("identical", identical),
                ("phash", hamming is not None and hamming <= max_hamming),
                ("embedding", cosine is not None and cosine >= min_cosine),
            )
            if hit
        ]
        if not reasons and cosine is not None and cosine >= VERIFY_MIN_COSINE:
            unverified.append((cosine, doc, hamming))
        if reasons:
            matches.append(
                Match(doc.branch, doc.path, doc.blob, doc.kind, hamming, cosine, identical, tuple(reasons))
            )
    unverified.sort(key=lambda item: -item[0])
    for cosine, doc, hamming in _verified(runtime, probe, unverified[:VERIFY_CANDIDATES]):
        matches.append(
            Match(doc.branch, doc.path, doc.blob, doc.kind, hamming, cosine, False, ("keypoints",))
        )
    matches.sort(
        key=lambda m: (
            not m.identical,
            m.hamming if m.hamming is not None else 65,
            -(m.cosine or 0.0),
            m.path,
        )
    )
    return matches


def _verified(
    runtime: VisionRuntime, probe: Probe, candidates: Sequence[tuple[float, SearchDoc, int | None]]
) -> list[tuple[float, SearchDoc, int | None]]:
    """The candidates that show the probe's picture by keypoint matching (crops, shifts, overlays)."""
    if not candidates:
        return []
    from pipelines.vision.keypoints import same_picture

    probe_image = _image(runtime, probe.data, probe.blob)
    if probe_image is None:
        return []
    found = []
    for cosine, doc, hamming in candidates:
        other = _image(runtime, None, doc.blob)
        if other is not None and same_picture(probe_image, other):
            found.append((cosine, doc, hamming))
    return found


def _image(runtime: VisionRuntime, data: bytes | None, blob: str | None) -> Image.Image | None:
    from pipelines.vision.decode import load_image
    from pipelines.vision.protocol import ImageDecodeError

    try:
        if data is None:
            if blob is None:
                return None
            data = runtime.assets.objects.read_bytes(blob_key(blob))
        return load_image(data)
    except (ObjectNotFound, ImageDecodeError, StorageUnavailable):
        return None


def clusters(pairs: Sequence[tuple[str, str]]) -> list[list[str]]:
    """Connected groups of paths from duplicate pairs (union-find), largest first."""
    parent: dict[str, str] = {}

    def root(item: str) -> str:
        parent.setdefault(item, item)
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for item in parent:
        groups.setdefault(root(item), []).append(item)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: (-len(g), g[0]))
