"""Platform renditions (pure: bytes or files in, typed results out; no web, no database).

    render_image(png_bytes, Target(name="taobao.main_image", kind="image", width=800, height=800,
                                   format="jpeg", max_bytes=3 * 2**20))
    render_video("in.mp4", Target(name="douyin.feed_video", kind="video", width=1080, height=1920,
                                  format="mp4", max_bytes=500 * 2**20, max_duration_s=60), out_dir)

Each result meets its target (size, format, codec, duration, byte limit, MP4 faststart) or the call
raises :class:`RenditionError` with a code: nothing invalid comes back silently. Placement data (which
targets a platform needs) lives in ``compliance_rules.placements``.
"""

from pipelines.renditions.errors import RenditionError
from pipelines.renditions.image import render_image
from pipelines.renditions.types import ImageRendition, Placed, Target, VideoRendition
from pipelines.renditions.video import render_video
from pipelines.renditions.video_plan import VideoPlan, plan_video

__all__ = [
    "ImageRendition",
    "Placed",
    "RenditionError",
    "Target",
    "VideoPlan",
    "VideoRendition",
    "plan_video",
    "render_image",
    "render_video",
]
