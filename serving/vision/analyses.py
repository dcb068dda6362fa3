"""Image analyses cached by content: (blob sha256, encoder) → analysis, so identical bytes are analysed
once whatever the path, branch or brand they appear under."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from asset_store.repo.sqlutil import insert_ignore
from asset_store.sql import utcnow
from serving.vision.models import VisionAnalysis

_CHUNK = 400


def pack(vector: Sequence[float]) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def unpack(data: bytes) -> list[float]:
    values: list[float] = np.frombuffer(data, dtype="<f4").astype(np.float64).tolist()
    return values


@dataclass(frozen=True)
class Analysis:
    """One cached analysis: the ImageAnalysis JSON (no embedding) and the embedding, or an error."""

    blob: str
    encoder: str
    data: dict[str, Any] | None
    embedding: list[float] | None
    ocr: bool
    error: str | None = None
    message: str | None = None

    @property
    def tag_ids(self) -> list[str]:
        return [tag_id for tag_id, _ in self.scored_tags]

    @property
    def scored_tags(self) -> list[tuple[str, float]]:
        """(tag id, score) of the tagger's tags, best first."""
        tags = (self.data or {}).get("tags") or []
        return [
            (str(t["id"]), float(t.get("score") or 0.0))
            for t in tags
            if isinstance(t, Mapping) and t.get("id")
        ]

    def label_names(self, min_score: float = 0.0) -> list[str]:
        """Names of the classifier labels scoring at least ``min_score``, best first."""
        labels = (self.data or {}).get("labels") or []
        return [
            str(label["name"])
            for label in labels
            if isinstance(label, Mapping) and label.get("name") and float(label.get("score", 0)) >= min_score
        ]

    @property
    def hashes(self) -> dict[str, str] | None:
        value = (self.data or {}).get("hashes")
        return {k: str(v) for k, v in value.items() if v is not None} if isinstance(value, Mapping) else None

    @property
    def colours(self) -> list[dict[str, Any]]:
        """The dominant colours (``Colour`` as JSON: hex, share, name_zh, name_en), largest first."""
        value = (self.data or {}).get("colours") or []
        return [dict(c) for c in value if isinstance(c, Mapping)]

    @property
    def ocr_text(self) -> str | None:
        value = (self.data or {}).get("ocr_text")
        return str(value) if value else None

    @classmethod
    def from_result(cls, blob: str, result: Mapping[str, Any], encoder: str, ocr: bool) -> Analysis:
        """From a gateway result (ImageAnalysis JSON or ``{"error", "message"}``)."""
        if "error" in result:
            return cls(blob, encoder, None, None, ocr, str(result["error"]), str(result.get("message", "")))
        data = {k: v for k, v in result.items() if k != "embedding"}
        embedding = [float(v) for v in result.get("embedding") or []] or None
        return cls(blob, str(result.get("encoder") or encoder), data, embedding, ocr)


def load_cached(session: Session, blobs: Iterable[str], encoder: str) -> dict[str, Analysis]:
    """The cached analyses of these blobs in ``encoder``'s space."""
    wanted = sorted(set(blobs))
    found: dict[str, Analysis] = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = session.scalars(
            select(VisionAnalysis).where(
                VisionAnalysis.encoder == encoder, VisionAnalysis.blob.in_(wanted[start : start + _CHUNK])
            )
        )
        for row in rows:
            found[row.blob] = Analysis(
                row.blob,
                row.encoder,
                dict(row.analysis) if row.analysis is not None else None,
                unpack(row.embedding) if row.embedding else None,
                row.ocr,
                row.error_code,
                row.error_detail,
            )
    return found


def store(session: Session, analyses: Sequence[Analysis]) -> None:
    """Insert or replace cached analyses (a concurrent writer of the same row is harmless)."""
    if not analyses:
        return
    keys = [(a.blob, a.encoder) for a in analyses]
    session.execute(
        delete(VisionAnalysis)
        .where(tuple_(VisionAnalysis.blob, VisionAnalysis.encoder).in_(keys))
        .execution_options(synchronize_session=False)
    )
    now = utcnow()
    rows = [
        {
            "blob": a.blob,
            "encoder": a.encoder,
            "analysis": a.data,
            "embedding": pack(a.embedding) if a.embedding else None,
            "ocr": a.ocr,
            "error_code": a.error,
            "error_detail": (a.message or "")[:2000] or None,
            "created_at": now,
        }
        for a in analyses
    ]
    insert_ignore(session, VisionAnalysis, list({(r["blob"], r["encoder"]): r for r in rows}.values()))
