"""Finished video encodes of an export, kept so that a retried attempt does not encode them again.

Each encode is uploaded under ``tmp/exports/<job id>/`` with a digest of what shaped it (the source's
blob, the video plan, the strictest target of the placements sharing it and the x264 preset) and recorded
in the job's checkpoint. A later attempt of the same job downloads a recorded encode whose digest still
matches and whose files are still there, instead of encoding it again; the files are deleted once the
export is committed. Pictures are not kept: they render in milliseconds.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from asset_store.objects.protocol import ObjectStore
from pipelines.renditions.types import Target, VideoRendition

CHECKPOINT_FIELD = "encodes"


def temp_prefix(job_id: str) -> str:
    """Where an export job's finished encodes wait for its commit."""
    return f"tmp/exports/{job_id.lower()}/"


def encode_digest(blob: str, plan_key: str, target: Target, x264_preset: str) -> str:
    """What an encode's bytes depend on, as one hex digest."""
    shaped = {"blob": blob, "plan": plan_key, "target": target.model_dump(mode="json"), "preset": x264_preset}
    return hashlib.sha256(json.dumps(shaped, sort_keys=True).encode()).hexdigest()


class EncodeStore:
    """The encodes an export job has finished: restored from, and recorded into, its checkpoint.

    Thread-safe: encodes run on a thread pool; ``entries`` is what the job saves as its checkpoint field."""

    def __init__(self, objects: ObjectStore, job_id: str, recorded: dict[str, Any] | None) -> None:
        self.objects = objects
        self.prefix = temp_prefix(job_id)
        self._lock = threading.Lock()
        self._entries: dict[str, dict[str, Any]] = {
            digest: dict(entry) for digest, entry in (recorded or {}).items() if isinstance(entry, dict)
        }
        self.restored = 0
        """Encodes taken from an earlier attempt in this one."""

    @property
    def entries(self) -> dict[str, dict[str, Any]]:
        """A copy of the recorded encodes, by digest (the checkpoint field)."""
        with self._lock:
            return {digest: dict(entry) for digest, entry in self._entries.items()}

    def restore(self, digest: str, folder: Path) -> VideoRendition | None:
        """The recorded encode ``digest`` downloaded into ``folder``; None when there is none (or its files
        are gone, or the record is unreadable: then it is encoded again)."""
        with self._lock:
            entry = self._entries.get(digest)
        if entry is None:
            return None
        try:
            recorded = VideoRendition.model_validate(entry["rendition"])
            video_key, cover_key = str(entry["video_key"]), str(entry["cover_key"])
        except (KeyError, ValidationError):
            return None
        if not (self.objects.exists(video_key) and self.objects.exists(cover_key)):
            return None
        folder.mkdir(parents=True, exist_ok=True)
        video, cover = folder / Path(recorded.path).name, folder / Path(recorded.cover_path).name
        self.objects.download(video_key, video)
        self.objects.download(cover_key, cover)
        with self._lock:
            self.restored += 1
        return recorded.model_copy(update={"path": str(video), "cover_path": str(cover)})

    def keep(self, digest: str, rendition: VideoRendition) -> None:
        """Upload a finished encode and record it."""
        video_key = f"{self.prefix}{digest[:32]}.mp4"
        cover_key = f"{self.prefix}{digest[:32]}.cover.jpg"
        self.objects.put_file(video_key, Path(rendition.path), "video/mp4")
        self.objects.put_file(cover_key, Path(rendition.cover_path), "image/jpeg")
        entry = {
            "video_key": video_key,
            "cover_key": cover_key,
            "rendition": rendition.model_dump(mode="json"),
        }
        with self._lock:
            self._entries[digest] = entry

    def drop(self) -> None:
        """Delete every kept encode of the job (after its commit; best effort)."""
        for key in list(self.objects.list_keys(self.prefix)):
            with contextlib.suppress(Exception):
                self.objects.delete(key)
