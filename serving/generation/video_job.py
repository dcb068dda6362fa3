"""The ``video`` generation job: footage, a script (or a copy variant), a voice, music and a logo → N
differentiated short-video remixes for one platform preset, rendered on the video deployment and
committed as ``videos/<job id>/<nn>.mp4`` (video) with ``<nn>.jpg`` covers (image), in one commit.

Flow: read the assets at ``ref`` → probe and analyse the footage (coded errors fail the job) → voice-over
and cue timing → ASS subtitles → a music section per variant → ``plan_variants`` → one render call per
variant (inputs by object-store key; finished variants are kept in the job checkpoint, so a retried
attempt does not render them again) → one commit with lineage (source shots and their in/out points,
script, voice, music offset, preset, plan digest, seed).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy.orm import Session

from asset_store.blobs import blob_key
from asset_store.media import AssetKind
from asset_store.repo.metadata import AssetMetadata, DerivedFrom, Generation, Lineage, Source
from asset_store.repo.repository import DEFAULT_BRANCH, PutAsset, Repository
from pipelines.video.errors import VideoError
from pipelines.video.plan import EditPlan
from pipelines.video.presets import PRESETS, Preset, get_preset
from serving.db import transaction
from serving.errors import AtelierError, InvalidInput, ServiceUnavailable
from serving.gateway.video_models import VideoCall, VideoReply
from serving.generation.poster_inputs import copy_asset
from serving.generation.store import GenerationStore
from serving.jobs.kinds import JobCancelled, JobContext, JobKind

RESOURCE = "generation"
PIPELINE_VERSION = "video/1"
POLL_S = 0.2
STEP_WEIGHTS = {"cards": 0.05, "audio": 0.15, "video": 0.7, "mux": 0.05, "cover": 0.05}
_STEP_BEFORE = {k: sum(list(STEP_WEIGHTS.values())[:i]) for i, k in enumerate(STEP_WEIGHTS)}


class VideoJobBrief(BaseModel):
    """The footage, words, voice, music and look of a remix batch, and where the videos go."""

    model_config = ConfigDict(extra="forbid")

    footage: tuple[str, ...] = Field(min_length=1, max_length=30, description="Video asset paths at ref.")
    script: tuple[str, ...] | str | None = Field(
        default=None, description="Lines (one subtitle cue each) or a text to split into cues."
    )
    copy_asset: str | None = Field(default=None, max_length=512, description="A copy variant as the script.")
    voice: str = Field(
        default="tts", max_length=512, description="'tts' (espeak-ng), 'none', or an audio asset path."
    )
    speech_rate: float = Field(default=1.0, ge=0.5, le=2.0, description="TTS pace (1 = the voice's own).")
    auto_subtitles: bool = Field(
        default=True, description="Without a script: subtitles (and script) from speech found by Whisper."
    )
    music: str | None = Field(default=None, max_length=512, description="Audio asset path.")
    logo: str | None = Field(default=None, max_length=512, description="Logo image path; default: kit's.")
    use_brand_kit: bool = Field(default=True, description="Without logo: the logo of brand/vi.yaml on main.")
    preset: str = Field(default="douyin", description=f"Platform preset ({', '.join(PRESETS)}).")
    scale: float = Field(default=1.0, ge=0.1, le=1.0, description="Render smaller (previews, tests).")
    n: int = Field(default=3, ge=1, le=20, description="Variants (distinct shot sequences).")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    duration: float | None = Field(
        default=None, gt=0, le=300, description="Length at least this (the end card holds); needed w/o words."
    )
    hook_text: str | None = Field(default=None, max_length=40, description="Intro hook card.")
    cta_text: str | None = Field(default=None, max_length=40, description="End card call to action.")
    cta_line: str | None = Field(default=None, max_length=60, description="Smaller line under the CTA.")
    ref: str = Field(
        default=DEFAULT_BRANCH, max_length=200, description="Branch or commit to read assets at."
    )
    branch: str | None = Field(default=None, max_length=200, description="Default generations/<job id>.")
    commit: bool = Field(default=True, description="Store the videos and covers as assets.")

    @field_validator("preset")
    @classmethod
    def _preset(cls, value: str) -> str:
        try:
            return get_preset(value).name
        except VideoError as exc:
            raise ValueError(exc.message) from None

    @field_validator("script")
    @classmethod
    def _script(cls, value: tuple[str, ...] | str | None) -> tuple[str, ...] | str | None:
        lines = [value] if isinstance(value, str) else list(value or [])
        if value is not None and not any(line.strip() for line in lines):
            raise ValueError("script is empty")
        if sum(len(line) for line in lines) > 2000:
            raise ValueError("script is over 2000 characters")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> VideoJobBrief:
        if self.script is not None and self.copy_asset is not None:
            raise ValueError("give script or copy_asset, not both")
        if len(set(self.footage)) != len(self.footage):
            raise ValueError("footage: a path is named twice")
        words = self.script is not None or self.copy_asset is not None
        if self.voice == "tts" and not words and not self.auto_subtitles:
            raise ValueError("voice 'tts' needs a script or copy_asset (or auto_subtitles from speech)")
        if self.voice == "none" and not words and self.duration is None and not self.auto_subtitles:
            raise ValueError("voice 'none' without a script needs duration")
        return self

    def target(self) -> Preset:
        preset = get_preset(self.preset)
        return preset if self.scale == 1.0 else preset.scaled(self.scale)


@dataclass(frozen=True)
class Input:
    """An asset read at ``ref``: its link for lineage, its object key and a local copy."""

    link: DerivedFrom
    key: str
    local: Path


@dataclass
class Inputs:
    footage: list[Input]
    music: Input | None = None
    voice: Input | None = None
    logo: Input | None = None
    script: list[str] = field(default_factory=list)
    script_link: DerivedFrom | None = None


@dataclass
class Prepared:
    """Everything the render calls share, and the per-variant plans (clip sources are object keys)."""

    plans: list[EditPlan]
    voice_key: str | None
    subtitles_key: str | None
    voice_source: str
    script: list[str]
    temp_keys: list[str]


def _invalid(field_name: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field_name}: {message}", code="invalid_brief", extra={"field": field_name})


def _fetch(
    store: GenerationStore, repo: Repository, ref: str, path: str, kind: str, relation: str, to: Path
) -> Input:
    version = repo.get(ref, path)  # ObjectNotFound (404, asset_not_found) names the path
    if version.entry.kind != kind:
        raise _invalid(relation, f"{path!r} is a {version.entry.kind}, not a {kind}")
    key = blob_key(version.entry.blob)
    local = to.with_suffix(Path(path).suffix.lower()[:8])
    store.assets.objects.download(key, local)
    link = DerivedFrom(path=path, commit=version.commit_id, blob=version.entry.blob, relation=relation)
    return Input(link, key, local)


def _read_inputs(store: GenerationStore, brand_id: str, brief: VideoJobBrief, tmp: Path) -> Inputs:
    vi = store.brand_kit(brand_id) if brief.use_brand_kit and brief.logo is None else None
    with transaction(store.factory) as session:
        repo = store.assets.repository(session, brand_id)
        footage = [
            _fetch(store, repo, brief.ref, path, "video", "footage", tmp / f"footage-{i:02d}")
            for i, path in enumerate(brief.footage)
        ]
        out = Inputs(footage)
        if brief.music:
            out.music = _fetch(store, repo, brief.ref, brief.music, "audio", "music", tmp / "music")
        if brief.voice not in ("tts", "none"):
            out.voice = _fetch(store, repo, brief.ref, brief.voice, "audio", "voice", tmp / "voice-upload")
        if brief.logo:
            out.logo = _fetch(store, repo, brief.ref, brief.logo, "image", "logo", tmp / "logo")
        elif vi is not None and vi.logos:
            out.logo = _fetch(store, repo, DEFAULT_BRANCH, vi.logos[0].path, "image", "logo", tmp / "logo")
        if brief.copy_asset:
            _, text, link = copy_asset(store, repo, brief.ref, brief.copy_asset)
            out.script, out.script_link = _lines(text), link
    if isinstance(brief.script, str):
        out.script = _lines(brief.script)
    elif brief.script is not None:
        out.script = [line.strip() for line in brief.script if line.strip()]
    return out


def _lines(text: str) -> list[str]:
    from pipelines.video.subtitles import split_script

    return split_script(text)


def _speech_script(inputs: Inputs, tmp: Path) -> list[str]:
    """The words of the first footage file with speech (Whisper), as cue texts."""
    from pipelines.video.speech import WhisperASR, has_speech

    for item in inputs.footage:
        if has_speech(item.local):
            return [cue.text for cue in WhisperASR().transcribe(item.local)]
    return []


def _prepare(
    store: GenerationStore, job_id: str, brief: VideoJobBrief, inputs: Inputs, tmp: Path
) -> Prepared:
    """Probe, analyse, voice, subtitles, music and plans (sync: run it in a worker thread)."""
    from pipelines.video.music import analyse_track, choose_section
    from pipelines.video.plan import plan_variants
    from pipelines.video.probe import probe_footage
    from pipelines.video.scoring import analyse_footage
    from pipelines.video.speech import EspeakTTS, UploadedVoice, WhisperASR
    from pipelines.video.subtitles import Cue, spread_cues, write_ass

    preset = brief.target()
    infos = []
    for number, item in enumerate(inputs.footage):
        try:
            infos.append(probe_footage(item.local))
        except VideoError as exc:
            raise _coded(exc, f"footage[{number}] ({item.link.path})") from exc
    shots = analyse_footage([i.local for i in inputs.footage], infos)
    script = inputs.script
    if not script and brief.auto_subtitles and inputs.voice is None:
        script = _speech_script(inputs, tmp)
    if not script and brief.voice == "tts":
        raise InvalidInput(
            "no script: give script or copy_asset (no speech found in the footage)", code="no_script"
        )
    cues: list[Cue] = []
    voice_path: Path | None = None
    voice_source, length = "none", 0.0
    if brief.voice == "tts":
        track = EspeakTTS().synthesize(script, tmp / "voice", rate=brief.speech_rate)
    elif inputs.voice is not None:
        asr = WhisperASR() if not script and brief.auto_subtitles else None
        track = UploadedVoice(inputs.voice.local, asr=asr).synthesize(script, tmp / "voice")
    else:
        track = None
        length = brief.duration or 0.0
        cues = spread_cues(script, length) if script and length else []
        if script and not length:
            length = 3.0 * len(script)  # no voice: about three seconds a line
            cues = spread_cues(script, length)
    if track is not None:
        cues, voice_path, voice_source, length = (
            list(track.cues),
            track.wav_path,
            track.source,
            track.duration,
        )
    total = max(length, brief.duration or 0.0, cues[-1].end if cues else 0.0)
    if total <= 0:
        raise _invalid("duration", "nothing to time the video by: give a script, a voice or duration")
    ends = [c.end for c in cues[:-1] if c.end > 0] + [total]
    segments = [round(b - a, 3) for a, b in zip([0.0, *ends[:-1]], ends, strict=True) if b - a > 0.05]
    temp_keys: list[str] = []
    subtitles_key = None
    if cues:
        ass = write_ass(
            cues,
            tmp / "subs.ass",
            width=preset.width,
            height=preset.height,
            safe=preset.safe,
            font_px=preset.subtitle_font_size,
        )
        subtitles_key = _put_temp(store, job_id, Path(ass.path), "text/x-ass", temp_keys)
    voice_key = _put_temp(store, job_id, voice_path, "audio/wav", temp_keys) if voice_path else None
    offsets: list[float] = []
    music_duration = None
    if inputs.music is not None:
        analysis = analyse_track(inputs.music.local)
        music_duration = analysis.duration
        for variant in range(brief.n):
            offsets.append(
                choose_section(analysis, sum(segments), seed=brief.seed + variant, avoid=offsets).offset
            )
    plans = plan_variants(
        shots,
        segments,
        preset,
        brief.n,
        brief.seed,
        music_duration=music_duration,
        music_offsets=offsets or None,
    )
    keys = {str(i.local): i.key for i in inputs.footage}
    keyed = [
        p.model_copy(update={"clips": [c.model_copy(update={"source": keys[c.source]}) for c in p.clips]})
        for p in plans
    ]
    return Prepared(keyed, voice_key, subtitles_key, voice_source, script, temp_keys)


def _coded(exc: VideoError, where: str) -> InvalidInput:
    return InvalidInput(f"{where}: {exc.message}", code=exc.code)


def _put_temp(store: GenerationStore, job_id: str, path: Path, content_type: str, keys: list[str]) -> str:
    """Put a job's intermediate file under a content-addressed temporary key (renders resume on it)."""
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    key = f"{temp_prefix(job_id)}{sha[:32]}{path.suffix}"
    if not store.assets.objects.exists(key):
        store.assets.objects.put_file(key, path, content_type)
    keys.append(key)
    return key


def temp_prefix(job_id: str) -> str:
    """Where a video job's intermediate and rendered files wait for the commit."""
    return f"tmp/video/{job_id.lower()}/"


class VideoJob(JobKind):
    name: ClassVar[str] = "video"
    brief_model: ClassVar[type[BaseModel]] = VideoJobBrief

    async def run(self, ctx: JobContext, brief: BaseModel) -> dict[str, Any]:
        assert isinstance(brief, VideoJobBrief)
        store = ctx.resources.get(RESOURCE)
        if not isinstance(store, GenerationStore):
            raise RuntimeError("the generation store is not available to this job runner")
        store.assets.tmp_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="video-job-", dir=store.assets.tmp_dir))
        try:
            inputs = await asyncio.to_thread(_read_inputs, store, ctx.brand_id, brief, tmp)
            await ctx.progress(0.05, f"analysing {len(inputs.footage)} footage files")
            try:
                prepared = await asyncio.to_thread(_prepare, store, ctx.job_id, brief, inputs, tmp)
            except VideoError as exc:
                raise _coded(exc, "footage") from exc
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        ctx.raise_if_cancelled()
        await ctx.progress(0.2, f"rendering {len(prepared.plans)} variants")
        try:
            replies = await _render_all(ctx, store, brief, inputs, prepared)
            out: dict[str, Any] = {
                "videos": [_summary(p, r) for p, r in zip(prepared.plans, replies, strict=True)]
            }
            if brief.commit:
                await ctx.progress(0.92, "storing the videos as assets")
                out["assets"] = await asyncio.to_thread(
                    _commit, store, ctx.brand_id, ctx.job_id, brief, inputs, prepared, replies
                )
        except (JobCancelled, AtelierError):  # final: no retry will resume from the temporary files
            await asyncio.to_thread(_drop_temp, store, ctx.job_id)
            raise
        if brief.commit:
            await asyncio.to_thread(_drop_temp, store, ctx.job_id)
        return out


async def _render_all(
    ctx: JobContext, store: GenerationStore, brief: VideoJobBrief, inputs: Inputs, prepared: Prepared
) -> list[VideoReply]:
    done: dict[str, Any] = dict(ctx.checkpoint.get("variants") or {})
    replies: list[VideoReply] = []
    options: dict[str, object] = {
        "hook_text": brief.hook_text,
        "cta_text": brief.cta_text,
        "cta_line": brief.cta_line,
    }
    if prepared.voice_key and inputs.music is not None:
        from pipelines.video.music import ducking

        options["ducking"] = ducking("normal").filter_args()
    for plan in prepared.plans:
        ctx.raise_if_cancelled()
        digest, number = plan.digest(), plan.variant + 1
        prior = done.get(str(plan.variant))
        if prior and prior["digest"] == digest and await asyncio.to_thread(_exists, store, prior["reply"]):
            replies.append(VideoReply.model_validate(prior["reply"]))
            continue
        stem = f"{temp_prefix(ctx.job_id)}{number:02d}-{digest[:16]}"
        call = VideoCall(
            job_id=ctx.job_id.lower(),
            variant=plan.variant,
            plan=plan,
            voice=prepared.voice_key,
            music=inputs.music.key if inputs.music else None,
            logo=inputs.logo.key if inputs.logo else None,
            subtitles=prepared.subtitles_key,
            options={k: v for k, v in options.items() if v is not None},
            video_key=f"{stem}.mp4",
            cover_key=f"{stem}.jpg",
        )
        reply = await _render_one(ctx, call, len(prepared.plans))
        replies.append(reply)
        done[str(plan.variant)] = {"digest": digest, "reply": reply.model_dump(mode="json")}
        await ctx.save_checkpoint({**ctx.checkpoint, "variants": done})
    return replies


def _exists(store: GenerationStore, reply: dict[str, Any]) -> bool:
    objects = store.assets.objects
    return all(objects.exists(reply[k]) for k in ("video_key", "cover_key") if reply.get(k))


async def _render_one(ctx: JobContext, call: VideoCall, total: int) -> VideoReply:
    """One gateway call, watched: progress events per step, cancel honoured inside the render."""
    latest: list[tuple[str, float]] = []
    task = asyncio.ensure_future(ctx.gateway.render_video(call, lambda step, f: latest.append((step, f))))
    reported: tuple[str, float] | None = None
    try:
        while True:
            finished, _ = await asyncio.wait({task}, timeout=POLL_S)
            ctx.raise_if_cancelled()
            if latest and latest[-1] != reported:
                reported = step, fraction = latest[-1]
                within = _STEP_BEFORE.get(step, 0.0) + STEP_WEIGHTS.get(step, 0.0) * fraction
                await ctx.progress(
                    0.2 + 0.7 * (call.variant + within) / total,
                    f"variant {call.variant + 1}/{total}: {step}",
                    {"variant": call.variant, "step": step, "step_progress": round(fraction, 3)},
                )
            if finished:
                break
    except BaseException:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise
    reply = task.result()
    if reply.error is None:
        return reply
    if reply.error == "cancelled":
        ctx.raise_if_cancelled()
        raise JobCancelled()
    where = f"variant {call.variant + 1}: {reply.message or reply.error}"
    if reply.kind == "unavailable":
        raise ServiceUnavailable(where, code="video_renderer_unavailable")
    if reply.kind == "input":
        raise InvalidInput(where, code=reply.error)
    raise RenderFailed(where, code=reply.error)


class RenderFailed(AtelierError):
    status, code, title = 502, "render_failed", "Render failed"


def _summary(plan: EditPlan, reply: VideoReply) -> dict[str, Any]:
    return {
        "variant": plan.variant,
        "duration": round(plan.duration, 3),
        "sequence": list(plan.sequence),
        "plan_digest": plan.digest(),
        "encoder": reply.encoder,
        "seconds": reply.seconds,
        "resumed_steps": reply.skipped,
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
