"""The render's ffmpeg filter graphs, built with ffmpeg-python.

Video, one graph: every clip is its own input, opened at its in-point with input ``-ss``/``-t`` (only
that range is decoded); per clip ``setpts`` (speed), ``fps`` (constant frame rate, before scaling when
the source is faster, after when it is slower), crop then scale to the preset (or a blurred-background
fill: the background blurred at 1/8 size and scaled up), ``tpad`` (a source shorter than probed still
fills its slot), ``trim``; clips are cut into frames-exact pieces, each transition is an ``xfade`` of
only the overlapping tail and head, and all pieces are concatenated; then the logo, the hook card, the
ASS subtitles (libass, ``fontsdir``) and the end card are composited.

Measured (15 s 1080×1920, six 1080p clips, five transitions, 2-core CPU): the whole graph without the
encoder costs ~5 CPU-seconds; libx264 ``veryfast`` ~11–14 more; the audio graph ~1.5.

Audio, one graph: the voice, the music from its offset (looped if short) ducked under the voice with
``sidechaincompress``, the footage sound (optional, low, each clip delayed to its place), mixed,
``loudnorm``-alised and cut to the plan's duration; silence when there is nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import ffmpeg

from pipelines.video.cards import Overlay
from pipelines.video.plan import Clip, EditPlan

Stream: TypeAlias = Any
"""An ffmpeg-python stream (the library is untyped)."""
FILL_DOWNSCALE = 8
FILL_BLUR = 6
"""Box-blur radius of the fill background (less where the background is tiny: 0.1-scale previews)."""
SCALE_FLAGS = "bilinear"
DUCKING = {"threshold": 0.02, "ratio": 8.0, "attack": 10.0, "release": 300.0}
"""Default sidechaincompress settings: the music drops ~12 dB under a voice."""
PAD_S = 0.25
"""Extra source seconds opened past each clip's out-point (decoders end a little early)."""


def _clip_video(clip: Clip, plan: EditPlan) -> Stream:
    preset = plan.preset
    width, height, fps = preset.width, preset.height, preset.fps
    source = ffmpeg.input(clip.source, ss=f"{clip.start:.3f}", t=f"{clip.source_duration + PAD_S:.3f}")
    video = source.video.setpts("PTS-STARTPTS" if clip.speed == 1 else f"(PTS-STARTPTS)/{clip.speed:.6f}")
    decimate_first = clip.source_fps * clip.speed > fps
    if decimate_first:
        video = video.filter("fps", fps)
    if clip.fit == "crop" and clip.crop is not None:
        c = clip.crop
        video = video.crop(c.x, c.y, c.w, c.h).filter("scale", width, height, flags=SCALE_FLAGS)
        video = video.filter("setsar", 1).filter("format", "yuv420p")
    else:
        video = blur_fill(video, width, height)
    if not decimate_first:
        video = video.filter("fps", fps)
    video = video.filter("tpad", stop_mode="clone", stop_duration=f"{PAD_S + 0.5:.2f}")
    return video.trim(duration=f"{clip.duration:.4f}").setpts("PTS-STARTPTS")


def blur_fill(video: Stream, width: int, height: int) -> Stream:
    """The whole frame fitted inside width×height over a blurred, enlarged copy of itself (remixes and
    platform renditions)."""
    split = video.split()
    small_w, small_h = max(2, width // FILL_DOWNSCALE // 2 * 2), max(2, height // FILL_DOWNSCALE // 2 * 2)
    # boxblur refuses a radius over half a plane's side; chroma planes may be half the size (4:2:0)
    radius = min(FILL_BLUR, small_w // 4, small_h // 4)
    back = (
        split[0]
        .filter("scale", small_w, small_h, force_original_aspect_ratio="increase", flags=SCALE_FLAGS)
        .filter("crop", small_w, small_h)
        .filter("boxblur", radius)
        .filter("scale", width, height, flags=SCALE_FLAGS)
        .filter("setsar", 1)
        .filter("format", "yuv420p")
    )
    front = split[1].filter(
        "scale",
        width,
        height,
        force_original_aspect_ratio="decrease",
        force_divisible_by=2,
        flags=SCALE_FLAGS,
    )
    return back.overlay(front, x="(W-w)/2", y="(H-h)/2", format="yuv420").filter("setsar", 1)


def timeline_starts(plan: EditPlan) -> list[float]:
    """When each clip starts on the output timeline (transition overlaps accounted for)."""
    starts, at = [], 0.0
    for i, clip in enumerate(plan.clips):
        starts.append(at)
        overlap = plan.transitions[i].duration if i < len(plan.transitions) else 0.0
        at += clip.duration - overlap
    return starts


def _join(plan: EditPlan) -> Stream:
    """All clips joined, in frames: each clip is cut into head / body / tail where transitions overlap
    it; every transition is an ``xfade`` of just the tail and the next head, and everything is
    concatenated. (Chaining xfade over whole clips costs ~4 ms for every frame passing through each
    xfade in ffmpeg 5.1: 4–5 CPU-seconds on a 15 s 1080×1920 remix.)"""
    fps = plan.preset.fps
    frames = [max(1, round(clip.duration * fps)) for clip in plan.clips]
    overlaps = [
        min(round(t.duration * fps), frames[j] // 2, frames[j + 1] // 2) if t.kind != "cut" else 0
        for j, t in enumerate(plan.transitions)
    ]
    pieces: list[Stream] = []
    pending: Stream | None = None  # the previous clip's tail, waiting for this clip's head
    for i, clip in enumerate(plan.clips):
        head = overlaps[i - 1] if i > 0 else 0
        tail = overlaps[i] if i < len(overlaps) else 0
        cuts = [0] + ([head] if head else []) + ([frames[i] - tail] if tail else []) + [frames[i]]
        stream = _clip_video(clip, plan)
        if len(cuts) == 2:
            parts = [stream]
        else:
            split = stream.split()
            parts = [split[k] for k in range(len(cuts) - 1)]
        pieces_of_clip = [
            part.trim(start_frame=a, end_frame=b).setpts("PTS-STARTPTS")
            for part, a, b in zip(parts, cuts[:-1], cuts[1:], strict=True)
        ]
        if head:
            assert pending is not None
            kind = plan.transitions[i - 1].kind
            pieces.append(
                ffmpeg.filter(
                    [pending, pieces_of_clip.pop(0)],
                    "xfade",
                    transition=kind,
                    duration=f"{head / fps:.4f}",
                    offset=0,
                )
            )
        pending = pieces_of_clip.pop() if tail else None
        pieces.extend(pieces_of_clip)
    video = pieces[0] if len(pieces) == 1 else ffmpeg.concat(*pieces, v=1, a=0)
    return video.filter("tpad", stop_mode="clone", stop_duration=0.5)


def video_stream(
    plan: EditPlan,
    *,
    logo: Overlay | None = None,
    hook: Overlay | None = None,
    end: Overlay | None = None,
    subtitles: str | None = None,
    fonts_dir: str | None = None,
) -> Stream:
    """The composited video of ``plan`` (paths in overlays and ``subtitles`` as the ffmpeg process sees
    them; the render runs in its work directory and passes relative names)."""
    video = _join(plan)
    if logo is not None:
        video = video.overlay(ffmpeg.input(logo.path).video, x=logo.x, y=logo.y)
    if hook is not None and plan.hook_duration > 0:
        video = video.overlay(
            ffmpeg.input(hook.path).video, x=hook.x, y=hook.y, enable=f"between(t,0,{plan.hook_duration:.3f})"
        )
    if subtitles is not None:
        options = {"fontsdir": fonts_dir} if fonts_dir else {}
        video = video.filter("subtitles", filename=subtitles, **options)
    if end is not None and plan.end_card_duration > 0:
        start = max(0.0, plan.duration - plan.end_card_duration)
        video = video.overlay(ffmpeg.input(end.path).video, x=end.x, y=end.y, enable=f"gte(t,{start:.3f})")
    return video.filter("format", "yuv420p")


def _stereo(stream: Stream) -> Stream:
    return stream.filter("aresample", 48000).filter("aformat", sample_fmts="fltp", channel_layouts="stereo")


def audio_stream(
    plan: EditPlan,
    *,
    voice: str | None,
    music: str | None,
    footage_gain_db: float | None,
    music_gain_db: float,
    loudness_lufs: float,
    ducking: dict[str, float] | None = None,
) -> Stream:
    """The mixed, loudness-normalised soundtrack of ``plan``, exactly ``plan.duration`` long."""
    total = f"{plan.duration:.4f}"
    parts: list[Stream] = []
    side: Stream | None = None
    if voice is not None:
        spoken = _stereo(ffmpeg.input(voice).audio)
        if music is not None:
            split = spoken.asplit()
            spoken, side = split[0], split[1]
        parts.append(spoken)
    if music is not None:
        bed = _stereo(ffmpeg.input(music, ss=f"{plan.music_offset:.3f}", stream_loop=-1).audio)
        bed = bed.filter("atrim", duration=total).filter("volume", f"{music_gain_db:.1f}dB")
        if side is not None:
            bed = ffmpeg.filter([bed, side], "sidechaincompress", **(ducking or DUCKING))
        parts.append(bed.filter("afade", t="out", st=f"{max(0.0, plan.duration - 1.0):.3f}", d=1))
    if footage_gain_db is not None:
        parts.extend(_footage_audio(plan, footage_gain_db))
    if not parts:
        return ffmpeg.input("anullsrc=r=48000:cl=stereo", f="lavfi").audio.filter("atrim", duration=total)
    mixed = (
        parts[0]
        if len(parts) == 1
        else ffmpeg.filter(parts, "amix", inputs=len(parts), normalize=0, duration="longest")
    )
    mixed = mixed.filter("loudnorm", I=loudness_lufs, TP=-1.5, LRA=11)
    return _stereo(mixed).filter("apad").filter("atrim", duration=total).filter("asetpts", "PTS-STARTPTS")


def _footage_audio(plan: EditPlan, gain_db: float) -> Sequence[Stream]:
    """Each clip's own sound at ``gain_db``, faded at its ends and delayed to its place on the timeline."""
    out = []
    for clip, start in zip(plan.clips, timeline_starts(plan), strict=True):
        if not clip.has_audio:
            continue
        sound = ffmpeg.input(clip.source, ss=f"{clip.start:.3f}", t=f"{clip.source_duration:.3f}").audio
        sound = _stereo(sound).filter("asetpts", "PTS-STARTPTS")
        if clip.speed != 1:
            sound = sound.filter("atempo", f"{clip.speed:.4f}")
        fade = min(0.15, clip.duration / 4)
        sound = sound.filter("afade", t="in", d=fade).filter(
            "afade", t="out", st=f"{clip.duration - fade:.3f}", d=fade
        )
        sound = sound.filter("volume", f"{gain_db:.1f}dB")
        out.append(sound.filter("adelay", delays=int(round(start * 1000)), all=1))
    return out
