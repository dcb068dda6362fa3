"""Prompt-injection guard: clauses in a brief that try to instruct the model are removed (and reported).

The prompts also quote brief fields as data and tell the model to ignore instructions inside them; this
guard is the second line, and the compliance check after generation is the third.
"""

from __future__ import annotations

import re

from serving.generation.copywriting.brief import CopyBrief

_PATTERNS = [
    r"ignore\s+(?:all\s+|the\s+|any\s+|your\s+|previous\s+|above\s+|prior\s+)*(?:rules?|instructions?|prompts?|guidelines?)",
    r"disregard\s+(?:all\s+|the\s+|any\s+|previous\s+|above\s+)*(?:rules?|instructions?)",
    r"(?:system|developer)\s+prompt",
    r"you\s+are\s+now\b",
    r"(?:忽略|无视|忘记|忘掉|不要管|不用管|跳过|绕过)(?:掉)?(?:上面|上述|以上|之前|前面|所有|全部|一切|你的|这些)?的?(?:规则|规定|指令|指示|要求|限制|提示|设定|约束)",
    r"(?:你现在是|从现在起你是|扮演一个|系统提示|system\s*[:：])",
    r"(?:不用|不要|无需|不必)(?:遵守|遵循|理会)(?:任何)?(?:广告法|规则|规定|合规|审核)",
]
_INJECTION = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)
_CLAUSE = re.compile(r"[^，。；;！!？?\n]+[，。；;！!？?\n]?")

FREE_TEXT_FIELDS = ("product", "audience", "tone", "brand_voice")


def has_injection(text: str) -> bool:
    return _INJECTION.search(text) is not None


def strip_injection(text: str) -> str:
    """``text`` without the clauses that carry an instruction to the model."""
    kept = [c for c in _CLAUSE.findall(text) if not has_injection(c)]
    return "".join(kept).strip(" ，,;；")


def sanitise(brief: CopyBrief) -> tuple[CopyBrief, list[str]]:
    """The brief with injected instructions removed, and a warning per field that had one."""
    warnings: list[str] = []
    changes: dict[str, object] = {}
    for field in FREE_TEXT_FIELDS:
        value = getattr(brief, field)
        if has_injection(value):
            changes[field] = strip_injection(value)
            warnings.append(f"prompt_injection_removed:{field}")
    points = list(brief.selling_points)
    for i, point in enumerate(points):
        if has_injection(point):
            warnings.append(f"prompt_injection_removed:selling_points[{i}]")
            points[i] = strip_injection(point)
    if tuple(points) != brief.selling_points:
        changes["selling_points"] = tuple(p for p in points if p)
    if not changes:
        return brief, warnings
    cleaned = brief.model_copy(update=changes)
    if not cleaned.product:
        cleaned = cleaned.model_copy(update={"product": brief.brand})
    return cleaned, warnings
