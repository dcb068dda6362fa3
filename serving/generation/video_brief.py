"""The brief of the ``video`` generation job: what to remix, for which platform, into how many variants."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from asset_store.repo.repository import DEFAULT_BRANCH
from pipelines.video.errors import VideoError
from pipelines.video.presets import PRESETS, Preset, get_preset
from pipelines.video.speech import WHISPER_LANGUAGES


class VideoJobBrief(BaseModel):
    """The footage, words, voice, music and look of a remix batch, and where the videos go."""

    model_config = ConfigDict(extra="forbid")

    footage: tuple[str, ...] = Field(min_length=1, max_length=30, description="Video asset paths at ref.")
    script: tuple[str, ...] | str | None = Field(
        default=None, description="Lines (one subtitle cue each) or a text to split into cues."
    )
    copy_asset: str | None = Field(default=None, max_length=512, description="A copy variant as the script.")
    voice: str = Field(
        default="tts", max_length=512, description="'tts' (espeak-ng), 'none', or an audio asset path."
    )
    speech_rate: float = Field(default=1.0, ge=0.5, le=2.0, description="TTS pace (1 = the voice's own).")
    auto_subtitles: bool = Field(
        default=True, description="Without a script: subtitles (and script) from speech found by Whisper."
    )
    speech_language: str = Field(
        default="zh",
        max_length=8,
        description="Language spoken in the footage or uploaded voice, for auto-subtitles: a Whisper code "
        "(zh, en, yue, ja, ko, …) or 'auto' to detect it.",
    )
    music: str | None = Field(default=None, max_length=512, description="Audio asset path.")
    logo: str | None = Field(default=None, max_length=512, description="Logo image path; default: kit's.")
    use_brand_kit: bool = Field(default=True, description="Without logo: the logo of brand/vi.yaml on main.")
    preset: str = Field(default="douyin", description=f"Platform preset ({', '.join(PRESETS)}).")
    scale: float = Field(default=1.0, ge=0.1, le=1.0, description="Render smaller (previews, tests).")
    n: int = Field(default=3, ge=1, le=20, description="Variants (distinct shot sequences).")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    duration: float | None = Field(
        default=None, gt=0, le=300, description="Length at least this (the end card holds); needed w/o words."
    )
    hook_text: str | None = Field(default=None, max_length=40, description="Intro hook card.")
    cta_text: str | None = Field(default=None, max_length=40, description="End card call to action.")
    cta_line: str | None = Field(default=None, max_length=60, description="Smaller line under the CTA.")
    ref: str = Field(
        default=DEFAULT_BRANCH, max_length=200, description="Branch or commit to read assets at."
    )
    branch: str | None = Field(default=None, max_length=200, description="Default generations/<job id>.")
    commit: bool = Field(default=True, description="Store the videos and covers as assets.")

    @field_validator("preset")
    @classmethod
    def _preset(cls, value: str) -> str:
        try:
            return get_preset(value).name
        except VideoError as exc:
            raise ValueError(exc.message) from None

    @field_validator("speech_language")
    @classmethod
    def _speech_language(cls, value: str) -> str:
        value = value.strip().lower()
        if value != "auto" and value not in WHISPER_LANGUAGES:
            raise ValueError(f"speech_language {value!r} is not a Whisper language code (or 'auto')")
        return value

    def whisper_language(self) -> str | None:
        """The language to give Whisper (None: detect it)."""
        return None if self.speech_language == "auto" else self.speech_language

    @field_validator("script")
    @classmethod
    def _script(cls, value: tuple[str, ...] | str | None) -> tuple[str, ...] | str | None:
        lines = [value] if isinstance(value, str) else list(value or [])
        if value is not None and not any(line.strip() for line in lines):
            raise ValueError("script is empty")
        if sum(len(line) for line in lines) > 2000:
            raise ValueError("script is over 2000 characters")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> VideoJobBrief:
        if self.script is not None and self.copy_asset is not None:
            raise ValueError("give script or copy_asset, not both")
        if len(set(self.footage)) != len(self.footage):
            raise ValueError("footage: a path is named twice")
        words = self.script is not None or self.copy_asset is not None
        if self.voice == "tts" and not words and not self.auto_subtitles:
            raise ValueError("voice 'tts' needs a script or copy_asset (or auto_subtitles from speech)")
        if self.voice == "none" and not words and self.duration is None and not self.auto_subtitles:
            raise ValueError("voice 'none' without a script needs duration")
        return self

    def target(self) -> Preset:
        preset = get_preset(self.preset)
        return preset if self.scale == 1.0 else preset.scaled(self.scale)
