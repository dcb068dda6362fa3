"""Copywriting: a brief becomes N distinct, compliant variants in a platform's native shape."""

from serving.generation.copy_settings import CopywritingSettings
from serving.generation.copywriting.brief import MAX_VARIANTS, CopyBrief, parse_brief
from serving.generation.copywriting.errors import CopywritingError, GenerationFailed, InvalidBrief
from serving.generation.copywriting.pipeline import CopywritingPipeline
from serving.generation.copywriting.prompts import PROMPT_VERSION
from serving.generation.copywriting.result import CopyProgress, CopyResult, CopyStats, Lineage, Variant

__all__ = [
    "MAX_VARIANTS",
    "PROMPT_VERSION",
    "CopyBrief",
    "CopyProgress",
    "CopyResult",
    "CopyStats",
    "CopywritingError",
    "CopywritingPipeline",
    "CopywritingSettings",
    "GenerationFailed",
    "InvalidBrief",
    "Lineage",
    "Variant",
    "parse_brief",
]
