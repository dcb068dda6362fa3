"""Eval "compliance": the text engine on labelled Chinese ad copy.

A line is flagged when the verdict is not ``pass`` (a warning stops copy for review too, so it counts on
both sides). Metrics: recall on violating lines, false-positive rate on clean lines and on hard negatives
(clean lines whose note starts with "Hard negative"), the share of violating lines where every expected
category was found, and per-category precision/recall, at the checker's default ``full`` depth (rules, the
n-gram model and the semantic second opinion); ``fast_*`` metrics repeat the headline ones at ``fast`` depth
(rules and the n-gram model: real-time interception). A Markdown report listing every miss and false alarm
(full depth) is written beside the JSON.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance_rules.checker import Checker
from compliance_rules.models import Category, CheckResult

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATASET = ROOT.parent / "shared" / "data" / "compliance_dev_zh.jsonl"
RESULTS = ROOT / "eval" / "results"


@dataclass(frozen=True)
class Line:
    id: str
    text: str
    violating: bool
    categories: frozenset[str]
    industry: str | None
    platform: str | None
    hard_negative: bool


def load(path: Path) -> list[Line]:
    lines = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        row = json.loads(raw)
        try:
            lines.append(
                Line(
                    id=str(row["id"]),
                    text=str(row["text"]),
                    violating=bool(row["violating"]),
                    categories=frozenset(row.get("categories") or ()),
                    industry=row.get("industry"),
                    platform=row.get("platform"),
                    hard_negative=str(row.get("note", "")).lower().startswith("hard negative"),
                )
            )
        except KeyError as exc:
            raise ValueError(f"{path}:{number}: missing field {exc}") from exc
    return lines


def _ratio(num: int, den: int) -> float:
    return round(num / den, 4) if den else 0.0


def _score(lines: list[Line], results: list[CheckResult]) -> tuple[dict[str, Any], dict[str, Any]]:
    flagged = [r.verdict != "pass" for r in results]
    found = [frozenset(f.category for f in r.findings) for r in results]
    violating = [i for i, line in enumerate(lines) if line.violating]
    clean = [i for i, line in enumerate(lines) if not line.violating]
    hard = [i for i in clean if lines[i].hard_negative]
    per_category: dict[str, dict[str, float]] = {}
    for category in Category:
        tp = sum(1 for i, line in enumerate(lines) if category in line.categories and category in found[i])
        fp = sum(
            1 for i, line in enumerate(lines) if category not in line.categories and category in found[i]
        )
        fn = sum(
            1 for i, line in enumerate(lines) if category in line.categories and category not in found[i]
        )
        per_category[category.value] = {
            "precision": _ratio(tp, tp + fp),
            "recall": _ratio(tp, tp + fn),
            "support": tp + fn,
        }
    metrics = {
        "recall": _ratio(sum(flagged[i] for i in violating), len(violating)),
        "false_positive_rate": _ratio(sum(flagged[i] for i in clean), len(clean)),
        "false_positive_rate_hard_negatives": _ratio(sum(flagged[i] for i in hard), len(hard)),
        "all_categories_found": _ratio(
            sum(lines[i].categories <= found[i] for i in violating), len(violating)
        ),
        "lines": len(lines),
        "violating_lines": len(violating),
        "clean_lines": len(clean),
        "hard_negatives": len(hard),
    }
    return metrics, per_category


def _report(
    path: Path,
    dataset: Path,
    lines: list[Line],
    results: list[CheckResult],
    metrics: dict[str, Any],
    per_category: dict[str, Any],
) -> None:
    out = [f"# Compliance eval on `{dataset.name}`", "", "| metric | value |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in metrics.items()]
    out += ["", "| category | precision | recall | support |", "|---|---|---|---|"]
    out += [f"| {c} | {v['precision']} | {v['recall']} | {v['support']} |" for c, v in per_category.items()]
    misses, alarms, partial = [], [], []
    for line, result in zip(lines, results, strict=True):
        found = sorted({f.category for f in result.findings})
        detail = "; ".join(f"{f.category}:{f.matched}({f.rule_id})" for f in result.findings)
        if line.violating and result.verdict == "pass":
            misses.append(f"- `{line.id}` expected {sorted(line.categories)}: {line.text}")
        elif line.violating and not line.categories <= set(found):
            partial.append(f"- `{line.id}` expected {sorted(line.categories)} found {found}: {line.text}")
        elif not line.violating and result.verdict != "pass":
            alarms.append(f"- `{line.id}` {detail}: {line.text}")
    out += ["", f"## Missed violations ({len(misses)})", *misses]
    out += ["", f"## Violations with a category missing ({len(partial)})", *partial]
    out += ["", f"## False alarms on clean lines ({len(alarms)})", *alarms, ""]
    path.write_text("\n".join(out), encoding="utf-8")


def run(dataset: Path | None = None) -> dict[str, Any]:
    """Check every line with the built-in packs and score the verdicts and categories."""
    path = Path(dataset) if dataset is not None else DEFAULT_DATASET
    lines = load(path)
    checker = Checker.builtin()
    engine = checker.engine
    started = time.perf_counter()
    counter: Counter[str] = Counter()
    results = []
    for line in lines:
        result = checker.check_copy(line.text, industry=line.industry, platform=line.platform)
        counter[result.verdict] += 1
        results.append(result)
    elapsed = time.perf_counter() - started
    fast = [
        checker.check_copy(line.text, industry=line.industry, platform=line.platform, depth="fast")
        for line in lines
    ]
    metrics, per_category = _score(lines, results)
    fast_metrics, _ = _score(lines, fast)
    for key in (
        "recall",
        "false_positive_rate",
        "false_positive_rate_hard_negatives",
        "all_categories_found",
    ):
        metrics[f"fast_{key}"] = fast_metrics[key]
    metrics["seconds"] = round(elapsed, 3)
    name = f"compliance-{path.stem}"  # compliance.json is the bench's
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = RESULTS / f"{name}.md"
    _report(report, path, lines, results, metrics, per_category)
    return {
        "metrics": metrics,
        "per_category": per_category,
        "verdicts": dict(counter),
        "dataset": str(path.name),
        "packs": [p.ref for p in engine.packs],
        "classifier": checker.classifier.version if checker.classifier else None,
        "semantic": checker.semantic.version if checker.semantic else None,
        "report": str(report.relative_to(ROOT)),
        "result_name": name,
    }
