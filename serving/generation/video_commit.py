"""The end of a video job: MP4s and covers committed in one commit with their lineage; temp keys dropped."""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy.orm import Session

from asset_store.media import AssetKind
from asset_store.repo.metadata import AssetMetadata, DerivedFrom, Generation, Lineage, Source
from asset_store.repo.repository import PutAsset
from pipelines.video.plan import EditPlan
from serving.gateway.video_models import VideoReply
from serving.generation.store import GenerationStore
from serving.generation.video_brief import VideoJobBrief
from serving.generation.video_prepare import Inputs, Prepared, temp_prefix

PIPELINE_VERSION = "video/1"


def _summary(plan: EditPlan, reply: VideoReply, from_checkpoint: bool = False) -> dict[str, Any]:
    """One variant in the job result; ``from_checkpoint``: rendered by an earlier attempt of the job."""
    return {
        "variant": plan.variant,
        "duration": round(plan.duration, 3),
        "sequence": list(plan.sequence),
        "plan_digest": plan.digest(),
        "encoder": reply.encoder,
        "seconds": reply.seconds,
        "resumed_steps": reply.skipped,
        "from_checkpoint": from_checkpoint,
    }


def video_paths(job_id: str, variant: int) -> tuple[str, str]:
    """Where variant ``variant`` (from 0) of a job and its cover are stored."""
    stem = f"videos/{job_id.lower()}/{variant + 1:02d}"
    return f"{stem}.mp4", f"{stem}.jpg"


def _commit(
    store: GenerationStore,
    brand_id: str,
    job_id: str,
    brief: VideoJobBrief,
    inputs: Inputs,
    prepared: Prepared,
    replies: list[VideoReply],
) -> dict[str, Any]:
    objects = store.assets.objects

    def changes(session: Session) -> list[PutAsset]:
        puts = []
        for plan, reply in zip(prepared.plans, replies, strict=True):
            video_path, cover_path = video_paths(job_id, plan.variant)
            assert reply.video_key is not None and reply.cover_key is not None
            video = objects.read_bytes(reply.video_key)
            blob = store.put_blob(session, brand_id, job_id, video, AssetKind.video, "video/mp4", video_path)
            meta = _metadata(job_id, brief, inputs, prepared, plan, reply)
            puts.append(PutAsset(video_path, blob, meta))
            cover = objects.read_bytes(reply.cover_key)
            blob = store.put_blob(session, brand_id, job_id, cover, AssetKind.image, "image/jpeg", cover_path)
            link = DerivedFrom(path=video_path, relation="cover")
            puts.append(
                PutAsset(cover_path, blob, meta.model_copy(update={"lineage": Lineage(derived_from=(link,))}))
            )
        return puts

    message = f"{len(replies)} {brief.preset} video remixes for job {job_id}"
    return store.commit_generated(brand_id, job_id, brief.branch, "video", changes, message)


def _metadata(
    job_id: str, brief: VideoJobBrief, inputs: Inputs, prepared: Prepared, plan: EditPlan, reply: VideoReply
) -> AssetMetadata:
    by_key = {i.key: i for i in inputs.footage}
    used = list(dict.fromkeys(c.source for c in plan.clips))
    derived = [by_key[k].link for k in used]
    derived += [i.link for i in (inputs.music, inputs.voice, inputs.logo) if i is not None]
    if inputs.script_link is not None:
        derived.append(inputs.script_link.model_copy(update={"relation": "script"}))
    clips = [
        {
            "path": by_key[c.source].link.path,
            "shot": c.shot.split("#")[-1],
            "in": round(c.start, 3),
            "out": round(c.start + c.source_duration, 3),
            "duration": round(c.duration, 3),
            "fit": c.fit,
        }
        for c in plan.clips
    ]
    return AssetMetadata(
        title=(prepared.script[0] if prepared.script else brief.hook_text or f"remix {plan.variant + 1}")[
            :300
        ],
        platforms=(brief.preset,),
        source=Source(generated=True),
        lineage=Lineage(
            derived_from=tuple(derived),
            generation=Generation(
                model=f"ffmpeg:{reply.encoder or 'libx264'}",
                prompt="\n".join(prepared.script) or None,
                seed=brief.seed,
                pipeline_version=PIPELINE_VERSION,
                job_id=job_id,
                params={
                    "variant": plan.variant,
                    "preset": brief.preset,
                    "width": plan.preset.width,
                    "height": plan.preset.height,
                    "duration": round(plan.duration, 3),
                    "plan_digest": plan.digest(),
                    "pacing": plan.pacing,
                    "transition_style": plan.transition_style,
                    "clips": clips,
                    "voice": prepared.voice_source,
                    "script_source": prepared.script_source,
                    "subtitles": [{"start": a, "end": b, "text": t} for a, b, t in prepared.cues] or None,
                    "music": {"path": inputs.music.link.path, "offset": plan.music_offset}
                    if inputs.music
                    else None,
                    "hook_text": brief.hook_text,
                    "cta_text": brief.cta_text,
                },
            ),
        ),
    )


def _drop_temp(store: GenerationStore, job_id: str) -> None:
    """Delete the job's intermediate and rendered files once the commit holds the videos."""
    objects = store.assets.objects
    for key in list(objects.list_keys(temp_prefix(job_id))):
        with contextlib.suppress(Exception):
            objects.delete(key)
