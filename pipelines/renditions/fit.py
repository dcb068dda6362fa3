"""Where the source goes in the target frame (pure geometry, shared by images and video).

Same shape (within 1 %): scaled. Otherwise the largest window of the target's aspect is placed so that the
focus (a poster's content, the salient region, or the centre) sits in the middle of the target's safe
area; ``auto`` crops when that window keeps at least ``min_crop_keep`` of the source and the focus fits
inside the safe part of the window, and pads otherwise (the whole source over a blurred copy, so nothing
of a poster's copy is cut off)."""

from __future__ import annotations

from pipelines.renditions.types import Placed, Target
from pipelines.video.crop import largest_window
from pipelines.video.types import Box

SAME_SHAPE = 0.99
"""Aspect agreement (smaller / larger) above which the source is only scaled."""
_TOLERANCE_PX = 1.0


def crop_keep(src_w: int, src_h: int, aspect: float) -> float:
    """Share of the source the largest ``aspect``-shaped window keeps (1.0 for the same shape)."""
    ratio = (src_w / src_h) / aspect
    return min(ratio, 1.0 / ratio)


def plan_fit(src_w: int, src_h: int, target: Target, focus: Box | None, focus_kind: str) -> Placed:
    """The fit of a ``src_w``×``src_h`` source into ``target`` keeping ``focus`` (fractions) in view."""
    keep = crop_keep(src_w, src_h, target.aspect)
    w, h = _window(src_w, src_h, target.aspect)
    kind = focus_kind if focus is not None else "centre"
    if keep >= SAME_SHAPE:
        x, y = (src_w - w) // 2, (src_h - h) // 2
        safe = _in_safe(focus, (src_w, src_h), (x, y, w, h), target)
        return Placed(fit="scale", crop=(x, y, w, h), focus=kind, focus_in_safe=safe)
    x, y = _position(src_w, src_h, w, h, target, focus)
    fits = focus is None or _fits(focus, src_w, src_h, w, h, target)
    crop = target.fit == "crop" or (target.fit == "auto" and keep >= target.min_crop_keep and fits)
    if crop:
        window = (x, y, w, h)
        return Placed(
            fit="crop", crop=window, focus=kind, focus_in_safe=_in_safe(focus, (src_w, src_h), window, target)
        )
    return Placed(fit="pad", crop=(0, 0, src_w, src_h), focus=kind, focus_in_safe=True)


def pad_box(src_w: int, src_h: int, target: Target) -> tuple[int, int, int, int]:
    """Where a padded source is drawn: contain-fitted in the target's safe area, centred there
    (left, top, width, height in output pixels)."""
    left, top, right, bottom = target.safe_box()
    room_w, room_h = right - left, bottom - top
    scale = min(room_w / src_w, room_h / src_h)
    w, h = max(1, round(src_w * scale)), max(1, round(src_h * scale))
    return round(left + (room_w - w) / 2), round(top + (room_h - h) / 2), w, h


def _window(src_w: int, src_h: int, aspect: float) -> tuple[int, int]:
    if src_w >= 2 and src_h >= 2:
        return largest_window(src_w, src_h, aspect)
    return src_w, src_h


def _safe_centre(target: Target) -> tuple[float, float]:
    s = target.safe
    return s.left + (1 - s.left - s.right) / 2, s.top + (1 - s.top - s.bottom) / 2


def _position(src_w: int, src_h: int, w: int, h: int, target: Target, focus: Box | None) -> tuple[int, int]:
    """Top-left of the window that puts the focus centre on the safe area's centre, clamped to the frame."""
    fx, fy = focus.centre if focus is not None else (0.5, 0.5)
    sx, sy = _safe_centre(target) if focus is not None else (0.5, 0.5)
    x = min(max(fx * src_w - sx * w, 0.0), src_w - w)
    y = min(max(fy * src_h - sy * h, 0.0), src_h - h)
    return int(round(x)), int(round(y))


def _fits(focus: Box, src_w: int, src_h: int, w: int, h: int, target: Target) -> bool:
    s = target.safe
    room_w, room_h = w * (1 - s.left - s.right), h * (1 - s.top - s.bottom)
    return focus.w * src_w <= room_w + _TOLERANCE_PX and focus.h * src_h <= room_h + _TOLERANCE_PX


def _in_safe(
    focus: Box | None, src: tuple[int, int], window: tuple[int, int, int, int], target: Target
) -> bool | None:
    """Whether the focus, seen through ``window`` scaled to the target, lies in the safe area."""
    if focus is None:
        return None
    src_w, src_h = src
    x, y, w, h = window
    sx, sy = target.width / w, target.height / h
    left, top, right, bottom = target.safe_box()
    x0, y0 = (focus.x * src_w - x) * sx, (focus.y * src_h - y) * sy
    x1, y1 = ((focus.x + focus.w) * src_w - x) * sx, ((focus.y + focus.h) * src_h - y) * sy
    slack = _TOLERANCE_PX * max(sx, sy, 1.0)
    return x0 >= left - slack and y0 >= top - slack and x1 <= right + slack and y1 <= bottom + slack
