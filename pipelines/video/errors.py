"""The video remix pipeline's errors: one hierarchy, each with a stable machine ``code``."""

from __future__ import annotations


class VideoError(ValueError):
    """Base of every remix error (a ValueError: the input is wrong, not the machine)."""

    code = "video_error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message


class FootageError(VideoError):
    """A footage file cannot be used. Codes: ``not_found``, ``empty_file``, ``corrupt_file``,
    ``truncated_file``, ``no_video_stream``, ``zero_duration``."""

    code = "corrupt_file"


class FootageNotFound(FootageError, FileNotFoundError):
    """The footage path does not exist (code ``not_found``)."""

    code = "not_found"


class UnknownPreset(VideoError, KeyError):
    """A platform preset name that is not defined (code ``unknown_preset``)."""

    code = "unknown_preset"

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class NotEnoughFootage(VideoError):
    """The footage cannot cover the script, even slowed down (code ``footage_too_short``)."""

    code = "footage_too_short"


class NotEnoughVariants(VideoError):
    """Fewer distinct shot sequences exist than variants were asked for (code ``too_few_sequences``);
    ``possible`` is how many were found."""

    code = "too_few_sequences"

    def __init__(self, message: str, possible: int) -> None:
        super().__init__(message)
        self.possible = possible


class RenderError(RuntimeError):
    """ffmpeg failed while rendering a step (code ``render_failed``); ``step`` names it."""

    code = "render_failed"

    def __init__(self, step: str, message: str) -> None:
        super().__init__(f"{step}: {message}")
        self.step = step
        self.message = message


class RenderCancelled(RenderError):
    """The caller cancelled the render (code ``cancelled``); finished steps are kept for a resume."""

    code = "cancelled"
