"""Pixel helpers shared by the generators: init images in RGB at the target size, and the inpainting
overlay that keeps the unmasked pixels (the product) exactly as they were."""

from __future__ import annotations

from PIL import Image


def prepare_init(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """RGB at ``size``: transparency composited on white, CMYK and palettes converted, LANCZOS resize."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        rgb = Image.new("RGB", rgba.size, (255, 255, 255))
        rgb.paste(rgba, mask=rgba.getchannel("A"))
    else:
        rgb = image.convert("RGB")
    return rgb if rgb.size == size else rgb.resize(size, Image.Resampling.LANCZOS)


def prepare_mask(mask: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Single-channel, binary (white = redraw) at ``size``."""
    grey = mask.convert("L")
    if grey.size != size:
        grey = grey.resize(size, Image.Resampling.NEAREST)
    return grey.point(lambda v: 255 if v >= 128 else 0)


def keep_unmasked(generated: Image.Image, init: Image.Image, mask: Image.Image) -> Image.Image:
    """The generated picture where the mask is white, the init picture's own pixels where it is black."""
    size = generated.size
    return Image.composite(generated.convert("RGB"), prepare_init(init, size), prepare_mask(mask, size))
