"""What a video job does before rendering: read the assets, probe and analyse the footage, voice-over
and cue timing, subtitles, music sections and the edit plans; inputs go to the object store by key."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from asset_store.blobs import blob_key
from asset_store.repo.metadata import DerivedFrom
from asset_store.repo.repository import DEFAULT_BRANCH, Repository
from pipelines.video.errors import VideoError
from pipelines.video.plan import EditPlan
from serving.db import transaction
from serving.errors import InvalidInput
from serving.generation.poster_inputs import copy_asset
from serving.generation.sources import asset_of_kind, invalid_field, link_to
from serving.generation.store import GenerationStore
from serving.generation.video_brief import VideoJobBrief

if TYPE_CHECKING:
    from pipelines.video.speech import VoiceTrack


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
    script_source: str = "none"
    """Where the script came from: ``brief``, ``copy_asset``, ``asr:<asset path>`` or ``none``."""
    cues: list[tuple[float, float, str]] = field(default_factory=list)
    """The burned-in subtitles: (start, end, text), seconds from the start of the video."""


def _fetch(
    store: GenerationStore, repo: Repository, ref: str, path: str, kind: str, relation: str, to: Path
) -> Input:
    version = asset_of_kind(repo, ref, path, kind, relation)
    key = blob_key(version.entry.blob)
    local = to.with_suffix(Path(path).suffix.lower()[:8])
    store.assets.objects.download(key, local)
    return Input(link_to(version, relation), key, local)


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


def _speech_script(inputs: Inputs, language: str | None) -> tuple[list[str], str]:
    """The words of the first footage file with speech (Whisper), as cue texts, and where they came
    from (``asr:<footage path>``); nothing when no footage has speech."""
    from pipelines.video.speech import WhisperASR, has_speech

    for number, item in enumerate(inputs.footage):
        try:
            words = (
                [cue.text for cue in WhisperASR().transcribe(item.local, language)]
                if has_speech(item.local)
                else []
            )
        except VideoError as exc:
            raise _coded(exc, f"footage[{number}] ({item.link.path})") from exc
        if words:
            return words, f"asr:{item.link.path}"
    return [], "none"


def _words(brief: VideoJobBrief, inputs: Inputs) -> tuple[list[str], str]:
    """The script and its origin: ``brief``, ``copy_asset``, ``asr:<footage path>`` or ``none``."""
    if inputs.script:
        return inputs.script, "copy_asset" if inputs.script_link is not None else "brief"
    if brief.auto_subtitles and inputs.voice is None:
        return _speech_script(inputs, brief.whisper_language())
    return [], "none"


def _voice(brief: VideoJobBrief, inputs: Inputs, script: list[str], tmp: Path) -> VoiceTrack | None:
    """The voice-over: espeak-ng reading the script, the uploaded track (cues from the script, from
    Whisper when there is no script and ``auto_subtitles``, else none) or no voice at all."""
    from pipelines.video.speech import EspeakTTS, UploadedVoice, WhisperASR

    if brief.voice == "tts":
        try:
            return EspeakTTS().synthesize(script, tmp / "voice", rate=brief.speech_rate)
        except VideoError as exc:
            raise _coded(exc, "voice (tts)") from exc
    if inputs.voice is None:
        return None
    asr = WhisperASR() if not script and brief.auto_subtitles else None
    try:
        voice = UploadedVoice(inputs.voice.local, asr=asr, language=brief.whisper_language())
        track = voice.synthesize(script, tmp / "voice")
    except VideoError as exc:
        raise _coded(exc, f"voice ({inputs.voice.link.path})") from exc
    source = f"upload:{inputs.voice.link.path}{':asr' if asr is not None else ''}"
    return track.model_copy(update={"source": source})


def _prepare(
    store: GenerationStore, job_id: str, brief: VideoJobBrief, inputs: Inputs, tmp: Path
) -> Prepared:
    """Probe, analyse, voice, subtitles, music and plans (sync: run it in a worker thread)."""
    from pipelines.video.plan import plan_variants
    from pipelines.video.probe import probe_footage
    from pipelines.video.scoring import analyse_footage
    from pipelines.video.subtitles import Cue, spread_cues, write_ass

    preset = brief.target()
    infos = []
    for number, item in enumerate(inputs.footage):
        try:
            infos.append(probe_footage(item.local))
        except VideoError as exc:
            raise _coded(exc, f"footage[{number}] ({item.link.path})") from exc
    shots = analyse_footage([i.local for i in inputs.footage], infos)
    script, script_source = _words(brief, inputs)
    if not script and brief.voice == "tts":
        raise InvalidInput(
            "no script: give script or copy_asset (no speech found in the footage)", code="no_script"
        )
    track = _voice(brief, inputs, script, tmp)
    cues: list[Cue] = []
    voice_path: Path | None = None
    voice_source, length = "none", 0.0
    if track is None:
        length = brief.duration or 0.0
        cues = spread_cues(script, length) if script and length else []
        if script and not length:
            length = 3.0 * len(script)  # no voice: about three seconds a line
            cues = spread_cues(script, length)
    else:
        cues, voice_path, voice_source, length = (
            list(track.cues),
            track.wav_path,
            track.source,
            track.duration,
        )
        if not script and cues and inputs.voice is not None:  # the uploaded voice, heard by Whisper
            script, script_source = [c.text for c in cues], f"asr:{inputs.voice.link.path}"
    total = max(length, brief.duration or 0.0, cues[-1].end if cues else 0.0)
    if total <= 0:
        raise invalid_field("duration", "nothing to time the video by: give a script, a voice or duration")
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
    offsets, music_duration = _music_sections(brief, inputs, sum(segments))
    plans = plan_variants(
        shots,
        segments,
        preset,
        brief.n,
        brief.seed,
        music_duration=music_duration,
        music_offsets=offsets or None,
    )
    timed = [(c.start, c.end, c.text) for c in cues]
    keyed = [_keyed(p, inputs) for p in plans]
    return Prepared(keyed, voice_key, subtitles_key, voice_source, script, temp_keys, script_source, timed)


def _keyed(plan: EditPlan, inputs: Inputs) -> EditPlan:
    """The plan with each clip's source (and the source part of its shot key) as the footage's object
    key instead of this attempt's temporary copy: the same plan, and digest, in every attempt, so a
    retried attempt finds its finished variants in the checkpoint and its finished render steps."""
    keys = {str(i.local): i.key for i in inputs.footage}
    clips = [
        c.model_copy(
            update={"source": keys[c.source], "shot": f"{keys[c.source]}#{c.shot.rsplit('#', 1)[-1]}"}
        )
        for c in plan.clips
    ]
    return plan.model_copy(update={"clips": clips})


def _music_sections(brief: VideoJobBrief, inputs: Inputs, seconds: float) -> tuple[list[float], float | None]:
    """A beat-aligned section start per variant (different where the track allows) and the track's
    length; nothing without music."""
    from pipelines.video.music import analyse_track, choose_section

    if inputs.music is None:
        return [], None
    try:
        analysis = analyse_track(inputs.music.local)
    except VideoError as exc:
        raise _coded(exc, f"music ({inputs.music.link.path})") from exc
    offsets: list[float] = []
    for variant in range(brief.n):
        offsets.append(choose_section(analysis, seconds, seed=brief.seed + variant, avoid=offsets).offset)
    return offsets, analysis.duration


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
