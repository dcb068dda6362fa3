"""Copywriting: a brief becomes N distinct, compliant variants in a platform's native shape."""

from pipelines.copywriting.brief import MAX_VARIANTS, CopyBrief, parse_brief
from pipelines.copywriting.errors import CopywritingError, GenerationFailed, InvalidBrief
from pipelines.copywriting.pipeline import CopywritingPipeline, CopywritingSettings
from pipelines.copywriting.prompts import PROMPT_VERSION
from pipelines.copywriting.result import CopyProgress, CopyResult, CopyStats, Lineage, Variant

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
