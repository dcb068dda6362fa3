"""The poster compositor's errors: one hierarchy, each names the field or slot at fault."""

from __future__ import annotations


class PosterError(ValueError):
    """Base of every compositor error (a ValueError: the input is wrong, not the machine)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class TemplateError(PosterError):
    """A layout template is malformed: unknown or invalid field, boxes outside the canvas, overlaps."""


class FontNotFound(PosterError, FileNotFoundError):
    """A font file named by the brand kit (or a family named by a brand VI) does not exist."""


class AssetError(PosterError):
    """An input image is missing, unreadable or too large (logo, product, background)."""


class TextDoesNotFit(PosterError):
    """Text cannot fit its slot even at the slot's minimum font size and maximum lines."""


class CanvasTooLarge(PosterError):
    """A requested canvas exceeds the side or area cap (or is too small to lay out)."""
