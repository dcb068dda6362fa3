"""Sample footage, music and a voice stand-in, generated with ffmpeg's test sources (never downloaded).

:func:`make_sample_footage` writes clips with known hard cuts (test patterns, fractals, cellular automata,
colour fields with moving shapes and text labels, a panned photo with a face from ``skimage``), one with
audio and the others without, a variable-frame-rate clip and an odd-sized (361×641) clip. Small by default
(360×640 and 640×360, 4.5 s) for tests; ``long_side=1920`` makes 1080p footage for the bench. Every file
is written to a temporary name and renamed, and an existing file is reused, so calls are cheap to repeat.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeAlias

import ffmpeg
from PIL import Image
from pydantic import BaseModel, ConfigDict

from pipelines.poster.fonts import NOTO_DIR
from pipelines.video.runner import ffmpeg_exe, run_tool

Stream: TypeAlias = Any
SCENE_S = 1.5
FPS = 30
_FONT = NOTO_DIR / "NotoSansCJK-Bold.ttc"
_TIMEOUT_S = 300.0


class SampleClip(BaseModel):
    """A generated clip and the times of its hard cuts (seconds)."""

    model_config = ConfigDict(frozen=True)

    path: str
    cuts: list[float]
    duration: float
    has_audio: bool
    variable_frame_rate: bool = False


class SampleSet(BaseModel):
    """Generated footage plus a music track."""

    model_config = ConfigDict(frozen=True)

    clips: list[SampleClip]
    music: str

    def clip(self, stem: str) -> SampleClip:
        """The clip whose file name starts with ``stem``."""
        return next(c for c in self.clips if Path(c.path).stem == stem)


def _lavfi(spec: str) -> Stream:
    return ffmpeg.input(spec, f="lavfi").video


def _scene(kind: str, w: int, h: int, seconds: float, label: str) -> Stream:
    """One scene of ``seconds`` at w×h, 30 fps, with a moving square and a text label."""
    d = f"{seconds:.3f}"
    sources = {
        "testsrc2": f"testsrc2=s={w}x{h}:r={FPS}:d={d}",
        "mandelbrot": f"mandelbrot=s={w // 2}x{h // 2}:rate={FPS}:end_scale=0.05",
        "life": f"life=s={w // 4}x{h // 4}:rate={FPS}:mold=10:ratio=0.4:seed=7:death_color=#202060",
        "cellauto": f"cellauto=s={w // 4}x{h // 4}:rate={FPS}:rule=110:seed=3",
        "navy": f"color=c=navy:s={w}x{h}:r={FPS}",
        "orange": f"color=c=darkorange:s={w}x{h}:r={FPS}",
        "green": f"color=c=seagreen:s={w}x{h}:r={FPS}",
        "rgbtest": f"rgbtestsrc=s={w}x{h}:r={FPS}",
    }
    video = _lavfi(sources[kind]).filter("scale", w, h, flags="neighbor").filter("setsar", 1)
    box = _lavfi(f"color=c=white:s={max(8, w // 8)}x{max(8, w // 8)}:r={FPS}")
    video = ffmpeg.overlay(video, box, x=f"mod(t*{w // 2},W)", y="H/3+H/6*sin(t*3)", shortest=1)
    video = video.drawtext(
        text=label,
        fontfile=str(_FONT),
        fontsize=max(12, h // 14),
        fontcolor="yellow",
        x="(w-text_w)/2",
        y="h*0.62",
        box=1,
        boxcolor="black@0.5",
    )
    return video.trim(duration=seconds).setpts("PTS-STARTPTS").filter("format", "yuv420p")


def _photo_scene(photo: Path, w: int, h: int, seconds: float) -> Stream:
    """A photo scaled to cover w×h with a margin and panned across (a Ken Burns move)."""
    side = int(max(w, h) * 1.15) // 2 * 2
    video = ffmpeg.input(str(photo), loop=1, framerate=FPS, t=f"{seconds:.3f}").video
    video = video.filter("scale", side, side).filter(
        "crop", w, h, x=f"(iw-{w})*t/{seconds:.3f}", y=f"(ih-{h})*0.1"
    )
    return video.filter("setsar", 1).trim(duration=seconds).setpts("PTS-STARTPTS").filter("format", "yuv420p")


def _part(path: Path) -> Path:
    return path.with_name(f".{path.stem}.part{path.suffix}")


def _write(stream: Stream, path: Path) -> None:
    """Run an output stream that writes ``_part(path)``, then rename it to ``path``."""
    part = _part(path)
    args = (
        stream.global_args("-hide_banner", "-nostdin", "-v", "error")
        .overwrite_output()
        .compile(cmd=ffmpeg_exe())
    )
    try:
        run_tool(args, what=f"sample {path.name}", timeout=_TIMEOUT_S)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def _encode(
    video: Stream,
    path: Path,
    *,
    audio: bool,
    seconds: float,
    pix_fmt: str = "yuv420p",
    extra: dict[str, str] | None = None,
) -> None:
    streams = [video]
    if audio:
        tone = "0.3*sin(2*PI*330*t)*(0.6+0.4*sin(2*PI*2*t))|0.3*sin(2*PI*440*t)"
        streams.append(ffmpeg.input(f"aevalsrc='{tone}':s=48000:d={seconds:.3f}", f="lavfi").audio)
    kwargs: dict[str, str | int] = {
        "vcodec": "libx264",
        "preset": "ultrafast",
        "crf": 20,
        "g": FPS,
        "pix_fmt": pix_fmt,
        "movflags": "+faststart",
        **(extra or {}),
    }
    if audio:
        kwargs.update(acodec="aac", audio_bitrate="96k")
    _write(ffmpeg.output(*streams, str(_part(path)), t=f"{seconds:.3f}", **kwargs), path)


def _scenes(kinds: Sequence[str], w: int, h: int, seconds: float, prefix: str) -> Stream:
    parts = [_scene(kind, w, h, seconds, f"{prefix}{i + 1} {kind}") for i, kind in enumerate(kinds)]
    return ffmpeg.concat(*parts, v=1, a=0)


def astronaut_png(directory: Path) -> Path:
    """skimage's astronaut photo (a real face) as a PNG in ``directory``."""
    from skimage import data

    path = directory / "astronaut.png"
    if not path.exists():
        Image.fromarray(data.astronaut()).save(path)  # type: ignore[no-untyped-call]
    return path


def make_music(path: Path, seconds: float = 20.0) -> Path:
    """A music bed: four chords (2 s each, C–G–Am–F) over a kick on every half second, stereo 48 kHz."""
    if path.exists():
        return path
    chord = "if(lt(mod(t,8),2),{a},if(lt(mod(t,8),4),{b},if(lt(mod(t,8),6),{c},{d})))"
    roots = chord.format(a=261.6, b=196.0, c=220.0, d=174.6)
    thirds = chord.format(a=329.6, b=246.9, c=261.6, d=220.0)
    expr = (
        f"0.12*sin(2*PI*({roots})*t)+0.10*sin(2*PI*({thirds})*t)+0.08*sin(3*PI*({roots})*t)"
        "+0.35*exp(-25*mod(t,0.5))*sin(2*PI*55*t)"
    )
    source = ffmpeg.input(f"aevalsrc='{expr}|{expr}':s=48000:d={seconds:.3f}", f="lavfi").audio
    codec = "pcm_s16le" if path.suffix == ".wav" else "aac"
    _write(ffmpeg.output(source, str(_part(path)), acodec=codec), path)
    return path


def make_voice(path: Path, seconds: float) -> Path:
    """A voice-over stand-in: a 220 Hz tone in syllable-like bursts (3 a second), mono 48 kHz WAV."""
    if path.exists():
        return path
    expr = "0.5*sin(2*PI*220*t)*gt(sin(2*PI*3*t),-0.2)"
    source = ffmpeg.input(f"aevalsrc='{expr}':s=48000:d={seconds:.3f}", f="lavfi").audio
    _write(ffmpeg.output(source, str(_part(path)), acodec="pcm_s16le"), path)
    return path


def make_sample_footage(
    directory: Path | str, *, long_side: int = 640, scene_s: float = SCENE_S
) -> SampleSet:
    """Write the sample clips and music into ``directory`` (created) and describe them.

    ``scenes_a`` (landscape, with audio), ``scenes_b`` (portrait, no audio; its last scene repeats
    ``scenes_a``'s first), ``face`` (panned astronaut photo, then a colour scene), ``vfr`` (frames dropped
    in its first half) and ``odd`` (361×641, yuv444p) — three scenes of ``scene_s`` seconds each unless
    said otherwise. ``long_side=1920`` gives 1080p clips for the bench."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    long_side = long_side // 2 * 2
    short = (long_side * 9 // 16) // 2 * 2
    s = scene_s
    clips: list[SampleClip] = []

    def add(name: str, cuts: list[float], duration: float, audio: bool, vfr: bool = False) -> Path:
        clips.append(
            SampleClip(
                path=str(out / name), cuts=cuts, duration=duration, has_audio=audio, variable_frame_rate=vfr
            )
        )
        return out / name

    path = add("scenes_a.mp4", [s, 2 * s], 3 * s, True)
    if not path.exists():
        _encode(
            _scenes(["testsrc2", "mandelbrot", "orange"], long_side, short, s, "A"),
            path,
            audio=True,
            seconds=3 * s,
        )
    path = add("scenes_b.mp4", [s, 2 * s], 3 * s, False)
    if not path.exists():
        _encode(
            _scenes(["life", "navy", "testsrc2"], short, long_side, s, "B"), path, audio=False, seconds=3 * s
        )
    path = add("face.mp4", [2 * s], 3 * s, False)
    if not path.exists():
        photo = _photo_scene(astronaut_png(out), short, long_side, 2 * s)
        video = ffmpeg.concat(photo, _scene("green", short, long_side, s, "C2 green"), v=1, a=0)
        _encode(video, path, audio=False, seconds=3 * s)
    path = add("vfr.mp4", [s], 2 * s, False, vfr=True)
    if not path.exists():
        video = _scenes(["cellauto", "rgbtest"], short, long_side, s, "V").filter(
            "select", f"gte(t,{s / 2:.3f})+not(mod(n,3))"
        )
        _encode(video, path, audio=False, seconds=2 * s, extra={"fps_mode": "vfr"})
    odd_w, odd_h = short + 1, long_side + 1
    path = add("odd.mp4", [s], 2 * s, False)
    if not path.exists():
        video = _scenes(["navy", "testsrc2"], short, long_side, s, "O").filter("scale", odd_w, odd_h)
        _encode(video, path, audio=False, seconds=2 * s, pix_fmt="yuv444p")
    return SampleSet(clips=clips, music=str(make_music(out / "music.wav")))
