"""Bench "video": a 15-second 1080×1920 remix with subtitles, voice-over, music and logo, on this CPU.

Footage is generated once (1080p scenes with hard cuts, a face, text) into a cache folder. The script is
spoken by espeak-ng (per-cue timing), subtitled from those cues (ASS, Noto CJK), music sections are
beat-aligned per variant, and ``variants`` edit plans are made from the footage.

- ``render_seconds`` / ``realtime_factor``: wall time of ``render_plan`` for variant 0 (fresh work dir,
  nothing reused), and that over the video's length; ``render_cpu_seconds``: CPU time of its ffmpeg
  processes (independent of other load on the machine, which ``loadavg`` records).
- ``speedup_vs_moviepy``: the same edit rendered by moviepy 1.x frame compositing in the same run, same
  x264 preset, divided by ``render_seconds``.
- ``distinct_variants``: plans with a shot sequence no other plan has.
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

SCRIPT = (
    "夏天到了，防晒跟上了吗？",
    "清透防晒乳，轻薄不油腻。",
    "海边度假，防水防汗更安心。",
    "点击下方链接，马上带回家。",
)
SPEECH_RATE = 1.15
"""espeak-ng at 1.15× its default pace: the four lines take about 12.6 s; the end card fills the rest."""
CACHE = Path(tempfile.gettempdir()) / "atelier-bench-video-v1"


def _loadavg() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


def _logo(path: Path) -> str:
    image = Image.new("RGBA", (400, 160), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 399, 159), radius=40, fill=(220, 30, 40, 230))
    draw.rectangle((60, 70, 340, 90), fill=(255, 255, 255, 255))
    image.save(path)
    return str(path)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(
    seconds: float | str = 15.0,
    variants: int | str = 10,
    preset: str = "douyin",
    moviepy: int | str = 1,
    x264_preset: str = "veryfast",
    workdir: str | None = None,
) -> dict[str, Any]:
    from pipelines.video.music import analyse_track, choose_section, ducking
    from pipelines.video.plan import plan_variants
    from pipelines.video.presets import get_preset
    from pipelines.video.render import RenderInputs, render_plan
    from pipelines.video.samples import make_music, make_sample_footage
    from pipelines.video.scoring import analyse_footage
    from pipelines.video.speech import EspeakTTS
    from pipelines.video.subtitles import write_ass

    work = Path(workdir) if workdir else CACHE
    work.mkdir(parents=True, exist_ok=True)
    target = get_preset(preset)
    load_start = _loadavg()
    began = time.perf_counter()
    footage = make_sample_footage(work / "footage", long_side=max(target.width, target.height), scene_s=2.5)
    footage_s = time.perf_counter() - began

    run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=work))
    try:
        began = time.perf_counter()
        voice = EspeakTTS().synthesize(list(SCRIPT), run_dir / "voice", rate=SPEECH_RATE)
        tts_s = time.perf_counter() - began
        segments = [cue.end - cue.start for cue in voice.cues]
        segments[-1] += max(0.0, float(seconds) - sum(segments))  # the end card holds to the full length
        total = sum(segments)
        music = make_music(work / "music.m4a", total + 40)
        track = analyse_track(music)
        offsets: list[float] = []
        for seed in range(int(variants)):
            offsets.append(choose_section(track, total, seed=seed, avoid=offsets).offset)
        began = time.perf_counter()
        shots = analyse_footage([c.path for c in footage.clips])
        analyse_s = time.perf_counter() - began
        plans = plan_variants(
            shots,
            segments,
            target,
            int(variants),
            seed=7,
            music_duration=track.duration,
            music_offsets=offsets,
        )
        sequences = [p.sequence for p in plans]
        distinct = sum(sequences.count(s) == 1 for s in sequences)
        plan = plans[0]
        subtitles = write_ass(
            voice.cues,
            run_dir / "subs.ass",
            width=target.width,
            height=target.height,
            safe=target.safe,
            font_px=target.subtitle_font_size,
        )
        inputs = RenderInputs(
            voice=str(voice.wav_path),
            music=str(music),
            logo=_logo(run_dir / "logo.png"),
            subtitles=str(subtitles.path),
            fonts_dir=str(subtitles.fonts_dir),
            hook_text="夏日防晒 三秒看懂",
            cta_text="点击下方链接 立即购买",
            cta_line="限时赠旅行装",
            ducking=ducking("normal").filter_args(),
            x264_preset=x264_preset,
        )
        cpu_before = _children_cpu()
        began = time.perf_counter()
        result = render_plan(
            plan, inputs, run_dir / "remix.mp4", work_dir=run_dir / "work", cover_path=run_dir / "cover.jpg"
        )
        render_s = time.perf_counter() - began
        render_cpu = _children_cpu() - cpu_before
        metrics: dict[str, Any] = {
            "render_seconds": round(render_s, 2),
            "realtime_factor": round(render_s / plan.duration, 3),
            "render_cpu_seconds": round(render_cpu, 2),
            "distinct_variants": distinct,
            "variants": len(plans),
            "video_seconds": round(plan.duration, 2),
            "tts_seconds": round(tts_s, 2),
            "analyse_seconds": round(analyse_s, 2),
        }
        details: dict[str, Any] = {"steps": result.seconds, "step_cpu_seconds": result.cpu_seconds}
        if int(moviepy):
            from eval.benches.video_moviepy import render_with_moviepy

            cpu_before = _children_cpu()
            began = time.perf_counter()
            render_with_moviepy(
                plan,
                run_dir / "moviepy.mp4",
                cues=list(voice.cues),
                voice=str(voice.wav_path),
                music=str(music),
                logo=inputs.logo,
                hook_text=inputs.hook_text,
                cta_text=inputs.cta_text,
                x264_preset=x264_preset,
            )
            moviepy_s = time.perf_counter() - began
            metrics["moviepy_seconds"] = round(moviepy_s, 2)
            metrics["speedup_vs_moviepy"] = round(moviepy_s / render_s, 2)
            details["moviepy_ffmpeg_cpu_seconds"] = round(_children_cpu() - cpu_before, 2)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    return {
        "metrics": metrics,
        "preset": target.name,
        "size": f"{target.width}x{target.height}",
        "encoder": result.encoder,
        "x264_preset": x264_preset,
        "footage_seconds_to_generate": round(footage_s, 1),
        "render": details,
        "cpu_count": os.cpu_count(),
        "loadavg": {"start": load_start, "end": _loadavg()},
    }
