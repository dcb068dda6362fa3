"""Render an :class:`EditPlan` to an MP4 (H.264 yuv420p + AAC, faststart) and a cover JPEG.

Steps, each resumable (see :mod:`pipelines.video.steps`) in ``work_dir``:

1. ``cards``: hook card, end card and logo PNGs (Pillow), the ASS file copied in;
2. ``audio``: the soundtrack (voice, ducked music, footage sound) → ``audio.m4a``;
3. ``video``: one ffmpeg filter graph (see :mod:`pipelines.video.graph`) → ``video.mp4``, the costly step;
4. ``mux``: stream copy of both with ``+faststart`` → ``final.mp4``;
5. ``cover``: a frame of the final video → ``cover.jpg``.

Then the results are copied to ``out_path`` / ``cover_path`` under temporary names and renamed, so no
half-written file ever appears there. ffmpeg runs in ``work_dir`` with relative names for what the
cards step wrote (no filter-argument escaping of user paths). The encoder is ``h264_nvenc`` when ffmpeg
lists it and an NVIDIA device is present (falling back to libx264 if it fails), else libx264.
The video graph runs with one filter thread, which makes the output byte-identical for the same plan and
inputs (and cost less CPU on 2 cores).
"""

from __future__ import annotations

import os
import resource
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import ffmpeg
from pydantic import BaseModel, ConfigDict, Field

from pipelines.poster.fonts import NOTO_DIR
from pipelines.video import cards
from pipelines.video.errors import RenderCancelled, RenderError, VideoError
from pipelines.video.graph import audio_stream, video_stream
from pipelines.video.plan import EditPlan
from pipelines.video.runner import encoders, gpu_present, run_ffmpeg
from pipelines.video.steps import WorkDir, fingerprint, publish, step_key

StepProgress = Callable[[str, float], None]
"""Called with (step name, fraction of that step done)."""
Encoder = Literal["auto", "libx264", "h264_nvenc"]
Action = Callable[[Mapping[str, Path]], Mapping[str, Any] | None]
STEPS = ("cards", "audio", "video", "mux", "cover")
"""Step names in the order they run (progress events carry them)."""
STEP_TIMEOUT_S = 600.0
FILTER_THREADS = ("-filter_complex_threads", "1")
"""One filter thread: slice-threaded filters in ffmpeg 5.1 made the bitstream differ between runs of the
same graph (the frames fed to x264 changed with thread timing); on 2 cores the encoder has the others."""


class RenderInputs(BaseModel):
    """Everything besides the plan that goes into a render; every media input is optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    voice: str | None = Field(default=None, description="Voice-over audio file.")
    music: str | None = Field(default=None, description="Music track; starts at the plan's music_offset.")
    logo: str | None = Field(default=None, description="Logo image (PNG with alpha preferred).")
    subtitles: str | None = Field(default=None, description="ASS subtitle file, burned in.")
    fonts_dir: str = Field(default=str(NOTO_DIR), description="Fonts libass may use for the subtitles.")
    hook_text: str | None = Field(default=None, description="Intro hook card text.")
    cta_text: str | None = Field(default=None, description="End card call to action.")
    cta_line: str | None = Field(default=None, description="Smaller line under the call to action.")
    end_card_colour: str = "#141414"
    footage_audio: Literal["mute", "low"] = Field(default="mute", description="Keep the footage's own sound?")
    footage_gain_db: float = -18.0
    music_gain_db: float = -6.0
    ducking: dict[str, float] | None = Field(
        default=None,
        description="sidechaincompress options for the music under the voice (music.Ducking.filter_args()); "
        "None: threshold 0.02, ratio 8, attack 10 ms, release 300 ms.",
    )
    loudness_lufs: float = Field(default=-16.0, ge=-40, le=-5, description="Integrated loudness target.")
    encoder: Encoder = "auto"
    x264_preset: str = "veryfast"
    crf: int = Field(default=23, ge=0, le=51)


class RenderResult(BaseModel):
    """Where the render went and how long each step took."""

    video: str
    cover: str | None
    duration: float
    width: int
    height: int
    encoder: str
    seconds: dict[str, float] = Field(description="Wall seconds per step (0 when skipped).")
    cpu_seconds: dict[str, float] = Field(
        default_factory=dict, description="CPU seconds of the ffmpeg processes of each step run here."
    )
    skipped: list[str] = Field(description="Steps reused from an earlier run.")


def choose_encoder(
    requested: Encoder = "auto", *, listed: frozenset[str] | None = None, gpu: bool | None = None
) -> str:
    """``h264_nvenc`` when asked for or (auto) when ffmpeg lists it and a GPU is present; else libx264.
    ``listed`` (ffmpeg's encoder names) and ``gpu`` default to what this machine has."""
    if requested != "auto":
        return requested
    if "h264_nvenc" not in (encoders() if listed is None else listed):
        return "libx264"
    return "h264_nvenc" if (gpu_present() if gpu is None else gpu) else "libx264"


def _encoder_args(encoder: str, inputs: RenderInputs, fps: int) -> dict[str, str | int]:
    common: dict[str, str | int] = {"pix_fmt": "yuv420p", "g": 2 * fps, "r": fps}
    if encoder == "h264_nvenc":
        return {"vcodec": "h264_nvenc", "preset": "p4", "rc": "vbr", "cq": inputs.crf, "b:v": 0, **common}
    return {
        "vcodec": "libx264",
        "preset": inputs.x264_preset,
        "crf": inputs.crf,
        "profile:v": "high",
        "threads": x264_threads(),
        "x264-params": "sync-lookahead=0",
        **common,
    }


def x264_threads() -> int:
    """x264 frame threads: what its 'auto' picks (1.5 per core). With frame threads and the threaded
    lookahead, x264's output varied between runs of the same graph (1 run in ~5 on a busy 2-core
    machine); ``sync-lookahead=0`` (lookahead in the encoding thread) made it repeatable."""
    return max(1, min(16, (os.cpu_count() or 2) * 3 // 2))


def _ffmpeg_args(stream: Any) -> list[str]:
    return list(stream.compile(cmd="ffmpeg"))[1:]


def _check_inputs(plan: EditPlan, inputs: RenderInputs) -> None:
    for field in ("voice", "music", "logo", "subtitles"):
        value = getattr(inputs, field)
        if value is not None and not Path(value).is_file():
            raise VideoError(f"{field} file not found: {value}", f"{field}_not_found")
    for clip in plan.clips:
        if not Path(clip.source).is_file():
            raise VideoError(f"footage file not found: {clip.source}", "not_found")


def render_plan(
    plan: EditPlan,
    inputs: RenderInputs,
    out_path: Path | str,
    *,
    work_dir: Path | str,
    cover_path: Path | str | None = None,
    progress: StepProgress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> RenderResult:
    """Render ``plan`` to ``out_path`` (and a cover JPEG to ``cover_path``), resuming finished steps in
    ``work_dir`` (one render at a time per work directory). Raises VideoError for missing inputs,
    RenderError when ffmpeg fails, RenderCancelled when ``cancel()`` turns true (finished steps are kept;
    nothing is published)."""
    _check_inputs(plan, inputs)
    job = _Render(plan, inputs, WorkDir(Path(work_dir)), progress, cancel)
    job.step("cards", job.card_key(), list(job.cards.values()), job.draw_cards)
    job.step("audio", job.audio_key(), ["audio.m4a"], job.audio)
    job.step("video", job.video_key(), ["video.mp4"], job.video)
    job.step("mux", [job.key_of("video"), job.key_of("audio")], ["final.mp4"], job.mux)
    if cover_path is not None:
        job.step("cover", [job.key_of("mux")], ["cover.jpg"], job.cover)
    if cancel is not None and cancel():
        raise RenderCancelled("publish", "cancelled before publishing")
    out = Path(out_path).resolve()
    publish(job.work.path("final.mp4"), out)
    cover = None if cover_path is None else Path(cover_path).resolve()
    if cover is not None:
        publish(job.work.path("cover.jpg"), cover)
    return RenderResult(
        video=str(out),
        cover=None if cover is None else str(cover),
        duration=plan.duration,
        width=plan.preset.width,
        height=plan.preset.height,
        encoder=job.work.info("video").get("encoder", job.encoder),
        seconds=job.seconds,
        cpu_seconds=job.cpu_seconds,
        skipped=job.skipped,
    )


class _Render:
    """The steps of one render and the bookkeeping between them."""

    def __init__(
        self,
        plan: EditPlan,
        inputs: RenderInputs,
        work: WorkDir,
        progress: StepProgress | None,
        cancel: Callable[[], bool] | None,
    ) -> None:
        self.plan, self.inputs, self.work = plan, inputs, work
        self.progress, self.cancel = progress, cancel
        self.encoder = choose_encoder(inputs.encoder)
        self.cards = _card_names(inputs)
        self.base = plan.digest()
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self.skipped: list[str] = []

    def step(self, name: str, key_parts: object, outputs: list[str], action: Action) -> None:
        if self.cancel is not None and self.cancel():
            raise RenderCancelled(name, "cancelled before the step started")
        before = _children_cpu()
        was_done, took = self.work.run(name, step_key(name, self.base, key_parts), outputs, action)
        self.seconds[name] = round(took, 3)
        self.cpu_seconds[name] = round(_children_cpu() - before, 3)
        if was_done:
            self.skipped.append(name)
        if self.progress is not None:
            self.progress(name, 1.0)

    def key_of(self, step: str) -> str:
        return str(self.work.manifest["steps"][step]["key"])

    def card_key(self) -> list[Any]:
        fields = {"logo", "subtitles", "fonts_dir", "hook_text", "cta_text", "cta_line", "end_card_colour"}
        logo, subtitles = fingerprint(self.inputs.logo), fingerprint(self.inputs.subtitles)
        return [self.inputs.model_dump(include=fields), logo, subtitles]

    def audio_key(self) -> list[Any]:
        fields = {"footage_audio", "footage_gain_db", "music_gain_db", "loudness_lufs", "ducking"}
        return [
            self.inputs.model_dump(include=fields),
            fingerprint(self.inputs.voice),
            fingerprint(self.inputs.music),
        ]

    def video_key(self) -> list[Any]:
        sources = [fingerprint(c.source) for c in self.plan.clips]
        return [self.card_key(), self.encoder, self.inputs.x264_preset, self.inputs.crf, sources]

    def _ffmpeg(
        self, out: Any, what: str, step: str | None = None, global_args: tuple[str, ...] = ()
    ) -> None:
        report = None
        if step is not None and self.progress is not None:
            progress = self.progress
            report = lambda fraction: progress(step, fraction)  # noqa: E731
        run_ffmpeg(
            _ffmpeg_args(out),
            what=what,
            duration=self.plan.duration,
            timeout=STEP_TIMEOUT_S,
            cwd=self.work.root,
            progress=report,
            cancel=self.cancel,
            global_args=global_args,
        )

    def draw_cards(self, parts: Mapping[str, Path]) -> None:
        _cards(self.plan, self.inputs, parts, self.cards)

    def audio(self, parts: Mapping[str, Path]) -> None:
        inputs, plan = self.inputs, self.plan
        sound = audio_stream(
            plan,
            voice=_abs(inputs.voice),
            music=_abs(inputs.music),
            footage_gain_db=inputs.footage_gain_db if inputs.footage_audio == "low" else None,
            music_gain_db=inputs.music_gain_db,
            loudness_lufs=inputs.loudness_lufs,
            ducking=inputs.ducking,
        )
        out = ffmpeg.output(
            sound,
            parts["audio.m4a"].name,
            acodec="aac",
            audio_bitrate="128k",
            ar=48000,
            ac=2,
            t=f"{plan.duration:.4f}",
            vn=None,
        )
        self._ffmpeg(out, "audio", "audio")

    def video(self, parts: Mapping[str, Path]) -> dict[str, str]:
        overlays = {
            k: cards.Overlay.model_validate_json(self.work.path(v).read_text())
            for k, v in self.cards.items()
            if k.endswith("_json")
        }
        clips = [c.model_copy(update={"source": _abs(c.source)}) for c in self.plan.clips]
        stream = video_stream(
            self.plan.model_copy(update={"clips": clips}),
            logo=overlays.get("logo_json"),
            hook=overlays.get("hook_json"),
            end=overlays.get("end_json"),
            subtitles=self.cards.get("subtitles"),
            fonts_dir=self.inputs.fonts_dir if self.inputs.subtitles else None,
        )
        attempts = [self.encoder] + (["libx264"] if self.encoder != "libx264" else [])
        for attempt in attempts:
            args = _encoder_args(attempt, self.inputs, self.plan.preset.fps)
            name, seconds = parts["video.mp4"].name, f"{self.plan.duration:.4f}"
            out = ffmpeg.output(stream, name, t=seconds, an=None, **args)
            try:
                self._ffmpeg(out, f"video ({attempt})", "video", FILTER_THREADS)
                return {"encoder": attempt}
            except RenderCancelled:
                raise
            except RenderError:
                if attempt == attempts[-1]:
                    raise
        raise RenderError("video", "no encoder worked")  # pragma: no cover - the loop returns or raises

    def mux(self, parts: Mapping[str, Path]) -> None:
        video, audio = ffmpeg.input("video.mp4").video, ffmpeg.input("audio.m4a").audio
        out = ffmpeg.output(video, audio, parts["final.mp4"].name, c="copy", movflags="+faststart")
        self._ffmpeg(out, "mux")

    def cover(self, parts: Mapping[str, Path]) -> None:
        """A frame from the middle of the first clip (chosen first for faces and quality)."""
        at = max(0.0, min(self.plan.clips[0].duration / 2, self.plan.duration - 0.1))
        source = ffmpeg.input("final.mp4", ss=f"{at:.3f}")
        self._ffmpeg(source.output(parts["cover.jpg"].name, vframes=1, **{"q:v": 3}), "cover")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _abs(path: str | None) -> str | None:
    return None if path is None else str(Path(path).resolve())


def _card_names(inputs: RenderInputs) -> dict[str, str]:
    names: dict[str, str] = {}
    if inputs.logo:
        names.update(logo_png="logo.png", logo_json="logo.json")
    if inputs.hook_text:
        names.update(hook_png="hook.png", hook_json="hook.json")
    if inputs.cta_text:
        names.update(end_png="end.png", end_json="end.json")
    if inputs.subtitles:
        names["subtitles"] = "subs.ass"
    return names


def _cards(plan: EditPlan, inputs: RenderInputs, parts: Mapping[str, Path], names: dict[str, str]) -> None:
    """Draw the overlays (temporary names), recording the final names they are renamed to."""

    def save(key: str, overlay: cards.Overlay) -> None:
        final = overlay.model_copy(update={"path": names[f"{key}_png"]})
        parts[names[f"{key}_json"]].write_text(final.model_dump_json())

    preset = plan.preset
    if inputs.logo:
        save("logo", cards.logo_overlay(Path(inputs.logo), preset, parts["logo.png"]))
    if inputs.hook_text:
        save("hook", cards.hook_card(inputs.hook_text, preset, parts["hook.png"]))
    if inputs.cta_text:
        logo = Path(inputs.logo) if inputs.logo else None
        save(
            "end",
            cards.end_card(
                inputs.cta_text,
                preset,
                parts["end.png"],
                line=inputs.cta_line,
                logo=logo,
                background=inputs.end_card_colour,
            ),
        )
    if inputs.subtitles:
        shutil.copyfile(inputs.subtitles, parts["subs.ass"])
