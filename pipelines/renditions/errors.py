"""Rendition errors: one hierarchy, each with a stable machine ``code``."""

from __future__ import annotations


class RenditionError(ValueError):
    """A rendition could not be made to its target. Codes: ``source_unreadable`` (the source cannot be
    decoded), ``over_byte_limit`` (no quality or bitrate on the ladder fits the byte limit),
    ``self_check_failed`` (the encoded file does not meet its target), ``encode_failed`` (ffmpeg failed),
    ``cancelled``."""

    code = "rendition_failed"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
