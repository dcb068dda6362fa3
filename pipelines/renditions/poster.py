"""A poster's safe layout as a rendition focus: the box around every layer that carries content (text,
product and logo pictures, QR code), from the poster's layered spec. Cropping keeps all of it in view
or the rendition pads; backgrounds, patterns and decorative shapes may be cut."""

from __future__ import annotations

from pipelines.poster.spec import ImageLayer, LayeredSpec, QrLayer, TextLayer
from pipelines.video.types import Box

CONTENT_LAYERS = (TextLayer, ImageLayer, QrLayer)


def content_box(spec: LayeredSpec) -> Box | None:
    """The content layers' bounding box in fractions of the canvas (None: the spec has none)."""
    boxes = [layer.box for layer in spec.layers if isinstance(layer, CONTENT_LAYERS)]
    if not boxes:
        return None
    width, height = spec.size.width, spec.size.height
    left = max(0, min(b[0] for b in boxes))
    top = max(0, min(b[1] for b in boxes))
    right = min(width, max(b[2] for b in boxes))
    bottom = min(height, max(b[3] for b in boxes))
    if right <= left or bottom <= top:
        return None
    return Box(x=left / width, y=top / height, w=(right - left) / width, h=(bottom - top) / height)
