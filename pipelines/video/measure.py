"""One timed remix, for ``atelier bench video`` and by hand: generated 1080p footage, a script of
``seconds``, subtitles, a voice stand-in, music and a logo, rendered at the full preset size.

    python -m pipelines.video.measure /tmp/atelier-bench-video [seconds] [x264 preset]

Prints one JSON object: render and analysis seconds, the realtime factor, the CPU seconds ffmpeg used,
the encoder and the load average before and after (``/proc/loadavg``: other work on the machine slows
the render down; the CPU seconds do not depend on it)."""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from pipelines.video.plan import plan_variants
from pipelines.video.presets import get_preset
from pipelines.video.render import RenderInputs, render_plan
from pipelines.video.samples import make_music, make_sample_footage, make_voice
from pipelines.video.scoring import analyse_footage

_ASS_HEAD = """[Script Info]
ScriptType: v4.00+
PlayResX: {w}
PlayResY: {h}

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, \
Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, \
MarginR, MarginV, Encoding
Style: Default,Noto Sans CJK SC,{size},&H00FFFFFF,&H000000FF,&H00000000,&H64000000,1,0,0,0,100,100,0,0,\
1,3,0,2,{ml},{mr},{mv},1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
"""


def _stamp(seconds: float) -> str:
    return f"{int(seconds // 3600)}:{int(seconds // 60) % 60:02d}:{seconds % 60:05.2f}"


def write_ass(path: Path, lines: list[tuple[float, float, str]], preset_name: str = "douyin") -> Path:
    """A minimal ASS file for ``lines`` (start, end, text) styled for the preset (the speech step writes
    the real ones)."""
    preset = get_preset(preset_name)
    ml, mr, mv = preset.subtitle_margins()
    head = _ASS_HEAD.format(
        w=preset.width, h=preset.height, size=preset.subtitle_font_size, ml=ml, mr=mr, mv=mv
    )
    events = [f"Dialogue: 0,{_stamp(a)},{_stamp(b)},Default,,0,0,0,,{text}" for a, b, text in lines]
    path.write_text(head + "\n".join(events) + "\n", encoding="utf-8")
    return path


def write_logo(path: Path) -> Path:
    """A stand-in brand logo: a red rounded badge with a white bar, RGBA."""
    image = Image.new("RGBA", (400, 160), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 399, 159), radius=40, fill=(220, 30, 40, 230))
    draw.rectangle((60, 70, 340, 90), fill=(255, 255, 255, 255))
    image.save(path)
    return path


def measure_remix(
    work: Path | str, seconds: float = 15.0, preset: str = "douyin", x264_preset: str = "veryfast"
) -> dict[str, Any]:
    """Generate (or reuse) bench footage in ``work``, plan one variant and render it; timings as a dict."""
    root = Path(work)
    footage = make_sample_footage(root / "footage", long_side=1920, scene_s=2.5)
    voice = make_voice(root / "voice.wav", seconds)
    music = make_music(root / "music.m4a", seconds + 20)
    lines = [
        (i * 2.5, min(seconds, (i + 1) * 2.5), f"第{i + 1}句字幕：新品上市限时优惠")
        for i in range(int(seconds / 2.5))
    ]
    ass = write_ass(root / "subs.ass", lines, preset)
    logo = write_logo(root / "logo.png")
    started = time.perf_counter()
    shots = analyse_footage([c.path for c in footage.clips])
    analyse_s = time.perf_counter() - started
    plan = plan_variants(shots, [2.5] * int(seconds / 2.5), preset, 1, seed=7, music_duration=seconds + 20)[0]
    inputs = RenderInputs(
        voice=str(voice),
        music=str(music),
        logo=str(logo),
        subtitles=str(ass),
        hook_text="三秒看懂 新品上市",
        cta_text="点击下方链接 立即购买",
        cta_line="限时优惠",
        x264_preset=x264_preset,
    )
    run_dir = root / f"render-{time.time_ns()}"
    load_before = _loadavg()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = render_plan(
        plan, inputs, run_dir / "remix.mp4", work_dir=run_dir / "work", cover_path=run_dir / "cover.jpg"
    )
    render_s = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return {
        "render_seconds": round(render_s, 2),
        "realtime_factor": round(render_s / plan.duration, 3),
        "render_cpu_seconds": round(cpu_s, 2),
        "analyse_seconds": round(analyse_s, 2),
        "step_seconds": result.seconds,
        "step_cpu_seconds": result.cpu_seconds,
        "encoder": result.encoder,
        "x264_preset": x264_preset,
        "bytes": Path(result.video).stat().st_size,
        "duration": plan.duration,
        "size": f"{result.width}x{result.height}",
        "clips": len(plan.clips),
        "cores": os.cpu_count(),
        "loadavg_before": load_before,
        "loadavg_after": _loadavg(),
        "video": result.video,
    }


def _loadavg() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "/tmp/atelier-bench-video"
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 15.0
    print(
        json.dumps(
            measure_remix(target, seconds, x264_preset=sys.argv[3] if len(sys.argv) > 3 else "veryfast")
        )
    )
