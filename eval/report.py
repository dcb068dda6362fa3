"""The evaluation report: every result in eval/results/ against the issues' targets, as Markdown with
tables and plots (``REPORT.md``, ``report-*.png``), so anyone sees at a glance where Atelier stands."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval import harness
from eval.targets import TARGETS, Target

REPORT_NAME = "REPORT.md"


@dataclass(frozen=True)
class Row:
    """One target with what was measured (None: not measured yet)."""

    target: Target
    result: str
    measured: float | None
    at: str | None

    @property
    def status(self) -> str:
        if self.measured is None:
            return "not measured"
        return "met" if self.target.met(self.measured) else "not met"


def load_results(results_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """Every result JSON by file stem (files that are not results are skipped); default eval/results."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted((results_dir or harness.RESULTS_DIR).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and isinstance(data.get("metrics"), dict):
            out[path.stem] = data
    return out


def rows(results: dict[str, dict[str, Any]]) -> list[Row]:
    out = []
    for target in TARGETS:
        result = results.get(target.result)
        value = result["metrics"].get(target.metric) if result else None
        measured = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
        at = result.get("run", {}).get("at") if result else None
        out.append(Row(target, target.result, measured, at))
    return out


def _fmt(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, float):
        if math.isinf(value) or math.isnan(value):
            return str(value)
        return f"{value:,.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _mark(row: Row) -> str:
    return {"met": "✅ met", "not met": "❌ not met", "not measured": "… not measured"}[row.status]


def plot_targets(table: list[Row], path: Path) -> Path | None:
    """Horizontal bars: measured relative to target (1.0 = just met, log scale); None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    measured = [r for r in table if r.measured is not None]
    if not measured:
        return None
    scores = [min(max(r.target.score(r.measured or 0.0), 1e-2), 1e3) for r in measured]
    labels = [f"#{r.target.issue} {r.target.metric} ({r.result})" for r in measured]
    colours = ["#2e7d32" if r.status == "met" else "#c62828" for r in measured]
    figure, axes = plt.subplots(figsize=(9, 0.35 * len(measured) + 1.2))
    # bars grow from the target line: right when met, left when short of it
    axes.barh(range(len(measured)), [score - 1.0 for score in scores], left=1.0, color=colours)
    axes.axvline(1.0, color="black", linewidth=1)
    axes.set_xscale("log")
    axes.set_yticks(range(len(measured)), labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("measured relative to target (1 = target; right of the line = met)")
    axes.set_title("Atelier against its targets")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def plot_gpu(results: dict[str, dict[str, Any]], path: Path) -> Path | None:
    """Throughput of the GPU bench per card (one group of bars per card)."""
    cards = {stem: r for stem, r in results.items() if stem.startswith("gpu-") and r.get("size") == "full"}
    if not cards:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [
        ("llm_batched_tokens_per_s", "7B LLM tokens/s (batch 32)"),
        ("tower_embeddings_per_s", "ViT-L/14 embeddings/s"),
        ("embeddings_per_s", "CLIP PIL images/s"),
        ("unet_steps_per_s", "SDXL UNet steps/s"),
        ("pipeline_images_per_s", "SDXL images/s (30 steps)"),
    ]
    figure, axes = plt.subplots(1, len(metrics), figsize=(3 * len(metrics), 3))
    for axis, (metric, title) in zip(axes, metrics, strict=True):
        names = [r.get("device", stem) for stem, r in cards.items()]
        values = [float(r["metrics"].get(metric, 0.0)) for r in cards.values()]
        axis.bar(range(len(values)), values, color="#1565c0")
        axis.set_xticks(range(len(values)), [n.replace("NVIDIA ", "") for n in names], fontsize=7)
        axis.set_title(title, fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def render_markdown(results: dict[str, dict[str, Any]], table: list[Row], plots: list[Path]) -> str:
    met = sum(r.status == "met" for r in table)
    missing = sum(r.status == "not measured" for r in table)
    lines = [
        "# Atelier evaluation report",
        "",
        f"Written {datetime.now(UTC).isoformat(timespec='seconds')} from {len(results)} results in "
        "`eval/results/` (`atelier eval all` runs them; `--report-only` rewrites this page).",
        "",
        f"**{met} of {len(table)} targets met**, {len(table) - met - missing} not met, "
        f"{missing} not measured yet.",
        "",
        "| issue | what | metric | measured | target | status | result (run at) |",
        "|---:|---|---|---:|---:|---|---|",
    ]
    for row in table:
        t = row.target
        lines.append(
            f"| {t.issue} | {t.what} | `{t.metric}` | {_fmt(row.measured)} | {t.comparison} {_fmt(t.value)} "
            f"| {_mark(row)} | `{row.result}` ({row.at or '—'}) |"
        )
    lines.append("")
    lines += [f"![{p.stem}]({p.name})" for p in plots]
    lines += ["", "## Every result", ""]
    for stem, result in sorted(results.items()):
        run = result.get("run", {})
        where = ", ".join(str(x) for x in (result.get("device"), run.get("machine"), run.get("commit")) if x)
        lines += [f"### `{stem}` ({result.get('kind', '?')} {result.get('name', stem)})", ""]
        lines += [
            f"Run {run.get('at', '—')} in {_fmt(run.get('seconds'))} s; {where or 'machine not recorded'}.",
            "",
        ]
        flat = {k: v for k, v in result["metrics"].items() if not isinstance(v, dict | list)}
        if flat:
            lines += ["| metric | value |", "|---|---:|"]
            lines += [f"| `{k}` | {_fmt(v)} |" for k, v in flat.items()]
            lines.append("")
    return "\n".join(lines) + "\n"


def write_report(results_dir: Path | None = None) -> Path:
    """Write ``REPORT.md`` and its plots into ``results_dir`` (default eval/results); returns its path."""
    results_dir = results_dir or harness.RESULTS_DIR
    results_dir.mkdir(parents=True, exist_ok=True)
    results = load_results(results_dir)
    table = rows(results)
    plots = [
        p
        for p in (
            plot_targets(table, results_dir / "report-targets.png"),
            plot_gpu(results, results_dir / "report-gpu.png"),
        )
        if p is not None
    ]
    path = results_dir / REPORT_NAME
    path.write_text(render_markdown(results, table, plots), encoding="utf-8")
    return path
