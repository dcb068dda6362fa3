"""The same edit as ``render_plan``, done the slow way for comparison: moviepy frame compositing.

Each output frame is built in Python (subclips, crop/resize, cross-fades, logo, subtitle and card images
composited by numpy) and piped to the same libx264 preset; audio is voice plus quieter music. It is the
baseline of ``speedup_vs_moviepy`` in bench "video", not product code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from pipelines.video.plan import EditPlan
from pipelines.video.subtitles import Cue

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"


def _text_image(text: str, width: int, size: int) -> Any:
    import numpy as np

    font = ImageFont.truetype(FONT, size)
    box = ImageDraw.Draw(Image.new("RGBA", (1, 1))).textbbox((0, 0), text, font=font, stroke_width=3)
    image = Image.new("RGBA", (min(width, int(box[2] - box[0]) + 8), int(box[3] - box[1]) + 8), (0, 0, 0, 0))
    ImageDraw.Draw(image).text(
        (4, 4 - box[1]), text, font=font, fill="white", stroke_width=3, stroke_fill="black"
    )
    return np.asarray(image)


def render_with_moviepy(
    plan: EditPlan,
    out: Path,
    *,
    cues: list[Cue],
    voice: str | None,
    music: str | None,
    logo: str | None,
    hook_text: str | None,
    cta_text: str | None,
    x264_preset: str = "veryfast",
) -> Path:
    """Render ``plan`` with moviepy 1.x and return the MP4 path."""
    from moviepy.editor import (
        AudioFileClip,
        ColorClip,
        CompositeAudioClip,
        CompositeVideoClip,
        ImageClip,
        VideoFileClip,
        concatenate_videoclips,
    )

    preset = plan.preset
    size = (preset.width, preset.height)
    sources: dict[str, Any] = {}
    pieces = []
    for clip, transition in zip(plan.clips, [*plan.transitions, None], strict=True):
        source = sources.setdefault(clip.source, VideoFileClip(clip.source, audio=False))
        piece = source.subclip(clip.start, clip.start + clip.source_duration)
        if abs(clip.speed - 1.0) > 1e-3:
            piece = piece.speedx(clip.speed)
        if clip.crop is not None:
            c = clip.crop
            piece = piece.crop(x1=c.x, y1=c.y, width=c.w, height=c.h)
        piece = piece.resize(size).set_duration(clip.duration)
        if transition is not None and transition.duration > 0:
            piece = piece.crossfadeout(transition.duration)
        pieces.append(piece)
    video = concatenate_videoclips(pieces, method="compose")
    layers: list[Any] = [video]
    if logo:
        left, top, _, _ = preset.safe_box()
        layers.append(ImageClip(logo).resize(width=preset.width // 5).set_position((left, top)))
    for cue in cues:
        image = _text_image(cue.text, preset.width - 80, preset.subtitle_font_size)
        bottom = preset.height - int(preset.height * preset.safe.bottom) - image.shape[0]
        layers.append(ImageClip(image).set_start(cue.start).set_end(cue.end).set_position(("center", bottom)))
    if hook_text:
        image = _text_image(hook_text, preset.width - 80, preset.subtitle_font_size * 2)
        layers.append(
            ImageClip(image)
            .set_start(0)
            .set_end(plan.hook_duration)
            .set_position(("center", 0.25), relative=True)
        )
    if cta_text:
        card_start = plan.duration - plan.end_card_duration
        layers.append(ColorClip(size, (20, 20, 20)).set_start(card_start).set_end(plan.duration))
        image = _text_image(cta_text, preset.width - 80, preset.subtitle_font_size * 2)
        layers.append(ImageClip(image).set_start(card_start).set_end(plan.duration).set_position("center"))
    final = CompositeVideoClip(layers, size=size).set_duration(plan.duration)
    audio = []
    if voice:
        audio.append(AudioFileClip(voice))
    if music:
        track = AudioFileClip(music).subclip(plan.music_offset, plan.music_offset + plan.duration)
        audio.append(track.volumex(0.3))
    if audio:
        final = final.set_audio(CompositeAudioClip(audio).set_duration(plan.duration))
    final.write_videofile(
        str(out),
        fps=preset.fps,
        codec="libx264",
        audio_codec="aac",
        preset=x264_preset,
        threads=2,
        logger=None,
    )
    for source in sources.values():
        source.close()
    return out
