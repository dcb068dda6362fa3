"""The numeric targets the issues set, as data: which result file, which metric, which way, how far."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Comparison = Literal["<=", ">=", "<"]


@dataclass(frozen=True)
class Target:
    """``metric`` of the result ``result`` (a file stem in eval/results, ``*`` for a prefix) must be
    ``comparison`` ``value``."""

    issue: int
    result: str
    metric: str
    comparison: Comparison
    value: float
    what: str

    def met(self, measured: float) -> bool:
        if self.comparison == "<=":
            return measured <= self.value
        if self.comparison == "<":
            return measured < self.value
        return measured >= self.value

    def score(self, measured: float) -> float:
        """1.0 at the target, above it when met (how many times better), below when not."""
        if self.comparison == ">=":
            return measured / self.value if self.value else 0.0
        return self.value / measured if measured > 0 else float("inf")


TARGETS: tuple[Target, ...] = (
    Target(3, "asset-store", "branch_create_ratio_100k_vs_1k", "<", 2.0, "branch at 100k assets vs 1k"),
    Target(4, "compliance-compliance_test_zh", "recall", ">=", 0.95, "recall on unseen violating copy"),
    Target(
        4, "compliance-compliance_test_zh", "false_positive_rate", "<=", 0.05, "false alarms on clean copy"
    ),
    Target(4, "compliance-compliance_test_zh", "all_categories_found", ">=", 0.85, "every category found"),
    Target(4, "compliance-compliance_test2_zh", "recall", ">=", 0.95, "recall, second blind test set"),
    Target(4, "compliance-compliance_test2_zh", "false_positive_rate", "<=", 0.05, "false alarms, 2nd blind"),
    Target(4, "compliance-compliance_test2_zh", "all_categories_found", ">=", 0.85, "all categories, 2nd"),
    Target(4, "compliance", "checks_per_s", ">=", 5000, "checks/s, one core"),
    Target(4, "compliance", "api_p99_ms", "<", 20, "POST /v1/compliance/check p99, 20 clients"),
    Target(6, "copy", "seconds_per_100", "<=", 300, "100 copy variants, 2-core CPU"),
    Target(6, "copy", "within_limits_rate", ">=", 1.0, "variants within platform limits"),
    Target(6, "copy", "compliance_pass_rate", ">=", 0.98, "variants passing compliance"),
    Target(6, "copy", "max_pair_cosine", "<=", 0.92, "most similar pair of variants"),
    Target(7, "vision", "dup_recall", ">=", 0.95, "near-duplicate recall"),
    Target(7, "vision", "dup_precision", ">=", 0.95, "near-duplicate precision"),
    Target(7, "vision-bench", "search_p99_ms", "<=", 50, "search p99 at 100k assets"),
    Target(7, "vision-bench", "images_per_s", ">=", 20, "tagging images/s, CPU"),
    Target(8, "poster", "posters_per_s", ">=", 10, "posters/s at 1080×1440"),
    Target(8, "poster", "creatives_100_seconds", "<=", 600, "100 creatives end to end"),
    Target(9, "video", "render_seconds", "<=", 15, "15 s 1080×1920 remix render"),
    Target(9, "video", "realtime_factor", "<=", 1.0, "render time / video time"),
    Target(9, "video", "speedup_vs_moviepy", ">=", 3, "faster than moviepy compositing"),
    Target(9, "video", "distinct_variants", ">=", 10, "variants with distinct shot sequences"),
    Target(10, "studio", "first_screen_ms", "<", 800, "studio first screen interactive"),
    Target(10, "studio", "first_screen_kb_gz", "<", 300, "first-screen JS, gzipped"),
    Target(11, "export", "export_30_seconds", "<=", 600, "30 placements of one creative"),
    Target(11, "export", "webhook_events_per_s", ">=", 500, "webhook deliveries/s"),
)
