"""Typed results of image understanding: labels, bilingual tags, colours, quality, faces, hashes and the
embedding, gathered per image in :class:`ImageAnalysis`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TagSource = Literal["ai", "human", "brand"]
LabelVocabulary = Literal["imagenet-1k", "taxonomy", "custom"]


class Label(BaseModel):
    """A raw classifier label (e.g. an ImageNet class) with its probability."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(ge=0, description="Class index in the classifier's label list.")
    name: str = Field(description="Class name as the classifier spells it (English for ImageNet).")
    score: float = Field(ge=0.0, le=1.0)
    vocabulary: LabelVocabulary = Field(
        default="imagenet-1k",
        description="Label space: 'imagenet-1k' (index is the ImageNet class), 'taxonomy' (name is a tag id) "
        "or 'custom' (free names, matched to tags by name).",
    )


class Tag(BaseModel):
    """A marketing-taxonomy tag: stable id, Chinese and English names, score and where it came from."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Stable taxonomy id, e.g. 'food_beverage/coffee'.")
    zh: str
    en: str
    score: float = Field(ge=0.0, le=1.0)
    source: TagSource = "ai"


class Colour(BaseModel):
    """A dominant colour: hex, share of the pixels, and the nearest named colour (zh/en)."""

    model_config = ConfigDict(frozen=True)

    hex: str = Field(pattern=r"^#[0-9a-f]{6}$")
    share: float = Field(ge=0.0, le=1.0)
    name_zh: str
    name_en: str


class Quality(BaseModel):
    """Cheap technical quality signals; ``flags`` names what is wrong (empty when fine)."""

    model_config = ConfigDict(frozen=True)

    width: int
    height: int
    sharpness: float = Field(
        description="Variance of the Laplacian on a 512-px grey copy (higher is sharper)."
    )
    brightness: float = Field(ge=0.0, le=1.0, description="Mean luma in 0..1.")
    contrast: float = Field(ge=0.0, description="Standard deviation of luma in 0..1 units.")
    flags: list[Literal["blurry", "too_dark", "too_bright", "low_contrast", "low_resolution"]] = Field(
        default_factory=list
    )


class Face(BaseModel):
    """A detected face box in image pixels."""

    model_config = ConfigDict(frozen=True)

    x: int
    y: int
    width: int
    height: int
    score: float = Field(ge=0.0, le=1.0)


class ImageHashes(BaseModel):
    """Perceptual hashes as 16-hex-digit (64-bit) strings."""

    model_config = ConfigDict(frozen=True)

    phash: str = Field(pattern=r"^[0-9a-f]{16}$", description="DCT perceptual hash.")
    dhash: str = Field(pattern=r"^[0-9a-f]{16}$", description="Difference hash.")
    phash_flipped: str = Field(
        pattern=r"^[0-9a-f]{16}$", description="pHash of the mirrored image (flip-robust matching)."
    )
    phash_centre: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{16}$",
        description="pHash of the central 80% (crop-robust matching: a copy cropped to its centre).",
    )


class ImageAnalysis(BaseModel):
    """Everything the tagger learned about one image. ``embedding`` is L2-normalised (cosine = dot)."""

    labels: list[Label] = Field(default_factory=list, description="Top classifier labels, best first.")
    tags: list[Tag] = Field(default_factory=list, description="Taxonomy tags, best first.")
    colours: list[Colour] = Field(default_factory=list, description="Dominant colours, largest share first.")
    quality: Quality
    faces: list[Face] = Field(default_factory=list)
    hashes: ImageHashes
    embedding: list[float] = Field(description="Image embedding from ``encoder``.")
    encoder: str = Field(description="Name of the image encoder that made the embedding (its vector space).")
    ocr_text: str | None = Field(default=None, description="Text read by the OCR stage, when it ran.")
    likely_has_text: bool = Field(
        default=False, description="Cheap guess (edges or text-like labels) that OCR would find text here."
    )
