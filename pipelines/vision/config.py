"""Settings of the image encoder and the tagger (validated; no I/O here)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipelines import devices

MODEL_DIR_ENV = "ATELIER_MODEL_DIR"
DEFAULT_CACHE_DIR = Path("~/.cache/atelier/models")


class VisionConfig(BaseModel):
    """Which image encoder to run and how; the tagger's switches."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: Literal["efficientnet", "open_clip", "fake"] = Field(
        default="efficientnet",
        description="efficientnet: offline default (ImageNet labels, no text tower); open_clip: CLIP/SigLIP "
        "weights from the model directory; fake: deterministic colour grid for tests.",
    )
    model: str = Field(
        default="efficientnet-lite0",
        description="efficientnet: 'efficientnet-lite0'; open_clip: an architecture name such as 'ViT-B-32'.",
    )
    pretrained: str | None = Field(
        default=None,
        description="open_clip: checkpoint file, or a folder holding one, absolute or under model_dir. "
        "None means random weights, allowed only with allow_random_weights (tests).",
    )
    allow_random_weights: bool = Field(
        default=False, description="Let open_clip run without a checkpoint (tests and benchmarks only)."
    )
    model_dir: Path | None = Field(
        default=None,
        description=f"Where weights live; falls back to the {MODEL_DIR_ENV} environment variable.",
    )
    cache_dir: Path | None = Field(
        default=None, description=f"Where exported models are kept; default {DEFAULT_CACHE_DIR}."
    )
    threads: int | None = Field(default=None, ge=1, description="Inference threads; default: all cores.")
    device: str = Field(
        default="auto",
        pattern=r"^(auto|cpu|cuda(:\d+)?)$",
        description="open_clip: where the model runs: cpu, cuda, cuda:N, or auto (CUDA when there is one).",
    )
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = Field(
        default="auto",
        description="open_clip weights' dtype: auto is float16 on CUDA and float32 on the CPU.",
    )
    batch_size: int = Field(default=16, ge=1, le=1024, description="Images per forward pass.")
    top_k: int = Field(default=5, ge=1, le=100, description="Classifier labels kept per image.")
    ocr: bool = Field(default=True, description="Run OCR on images that likely hold text.")
    faces: bool = Field(default=True, description="Detect faces (adds the portrait tag).")

    @model_validator(mode="after")
    def _known_efficientnet(self) -> VisionConfig:
        if self.backend == "efficientnet" and self.model != "efficientnet-lite0":
            raise ValueError(f"the efficientnet backend has only 'efficientnet-lite0', not {self.model!r}")
        return self

    def resolved_model_dir(self) -> Path | None:
        """``model_dir``, else ``$ATELIER_MODEL_DIR``, else None."""
        return devices.model_dir(self.model_dir)

    def resolved_cache_dir(self) -> Path:
        """``cache_dir`` or the default ``~/.cache/atelier/models``."""
        return (self.cache_dir or DEFAULT_CACHE_DIR).expanduser()

    def resolved_threads(self) -> int:
        """``threads`` or the number of cores."""
        return self.threads or os.cpu_count() or 1
