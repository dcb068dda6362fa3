"""Typed results of footage analysis, kept apart from the analysis code (which needs OpenCV) so that
planning imports nothing heavy."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pipelines.video.shots import Shot
from pipelines.vision.types import ImageHashes


class Box(BaseModel):
    """A box in fractions of the frame (0..1)."""

    model_config = ConfigDict(frozen=True)

    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)
    w: float = Field(gt=0, le=1)
    h: float = Field(gt=0, le=1)

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2


class ScoredShot(BaseModel):
    """A shot with its quality signals, subject box and duplicate group."""

    model_config = ConfigDict(frozen=True)

    shot: Shot
    width: int = Field(description="Displayed footage width.")
    height: int = Field(description="Displayed footage height.")
    fps: float = Field(gt=0, description="Footage average frame rate.")
    has_audio: bool
    sharpness: float = Field(
        ge=0, description="Variance of the Laplacian of 320-px luma (median of samples)."
    )
    motion: float = Field(ge=0, le=1, description="Mean absolute luma change between frames at 10 fps.")
    brightness: float = Field(ge=0, le=1)
    faces: int = Field(ge=0)
    subject: Box = Field(description="What smart crop keeps in frame.")
    subject_kind: str = Field(description="'face', 'detail' or 'centre'.")
    hashes: ImageHashes
    colour: tuple[float, float, float] = Field(description="Mean RGB of the middle frame, 0..1.")
    group: int = Field(
        default=-1, description="Near-duplicate group: shots sharing it are copies of each other."
    )
    score: float = Field(ge=0, le=1)

    @property
    def key(self) -> str:
        return self.shot.key
