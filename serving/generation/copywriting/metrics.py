"""Benchmark metrics of a copywriting result (``atelier bench copy`` reports these)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from compliance_rules.models import Severity, Verdict
from pipelines.embeddings.text import TextEncoder
from serving.generation.copywriting.formats import schema_violations
from serving.generation.copywriting.result import CopyResult, Variant

_WORD = re.compile(r"[A-Za-z0-9]+|[^\sA-Za-z0-9\W]|[\u4e00-\u9fff]", re.UNICODE)


def units(text: str) -> list[str]:
    """Latin words and single CJK characters, punctuation dropped (the units of distinct-n)."""
    return [u.casefold() for u in _WORD.findall(text)]


def distinct_n(texts: Sequence[str], n: int = 2) -> float:
    """Distinct n-grams over all n-grams of all texts (1.0: no n-gram repeats anywhere)."""
    grams: list[tuple[str, ...]] = []
    for text in texts:
        seq = units(text)
        grams += [tuple(seq[i : i + n]) for i in range(len(seq) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def max_pair_cosine(texts: Sequence[str], encoder: TextEncoder) -> float:
    """The highest cosine between two different texts (0 with fewer than two)."""
    if len(texts) < 2:
        return 0.0
    vectors = encoder.encode(texts)
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -1.0)
    return float(sims.max())


def within_limits(result: CopyResult, variant: Variant) -> bool:
    """The fields fit the output schema and the platform spec raised no blocking SPEC_* finding."""
    if schema_violations(variant.fields, result.output_schema):
        return False
    return not any(f.category.startswith("SPEC_") and f.severity == Severity.BLOCK for f in variant.findings)


def summarise(result: CopyResult, encoder: TextEncoder) -> dict[str, float]:
    """seconds_per_100, within_limits_rate, compliance_pass_rate (not blocked), compliance_clean_rate
    (verdict pass), max_pair_cosine, distinct_2, tokens_per_s, and the counts behind them."""
    variants = result.variants
    count = len(variants)
    texts = [v.text for v in variants]
    stats = result.stats
    return {
        "variants": float(count),
        "seconds": round(stats.seconds, 2),
        "seconds_per_100": round(stats.seconds / count * 100, 2) if count else 0.0,
        "within_limits_rate": _rate(sum(within_limits(result, v) for v in variants), count),
        "compliance_pass_rate": _rate(sum(v.verdict != Verdict.BLOCK for v in variants), count),
        "compliance_clean_rate": _rate(sum(v.verdict == Verdict.PASS for v in variants), count),
        "max_pair_cosine": round(max_pair_cosine(texts, encoder), 4),
        "distinct_2": round(distinct_n(texts, 2), 4),
        "tokens_per_s": round(stats.tokens_per_s, 2),
        "tokens": float(stats.tokens),
        "requests": float(stats.requests),
        "requests_per_variant": round(stats.requests / count, 3) if count else 0.0,
        "prompt_tokens": float(stats.prompt_tokens),
        "rewrites": float(stats.rewrites),
        "deterministic_fixes": float(stats.deterministic_fixes),
        "duplicates_replaced": float(stats.duplicates_replaced),
        "direction_leaks": float(stats.direction_leaks),
        "directions_stripped": float(stats.directions_stripped),
        "diversify_requests": float(stats.diversify_requests),
        "retitled": float(stats.retitled),
        "length_rejects": float(stats.length_rejects),
        "parse_failures": float(stats.parse_failures),
        "surplus": float(stats.surplus),
        "flagged": float(stats.flagged),
    }


def _rate(hits: int, count: int) -> float:
    return round(hits / count, 4) if count else 0.0
