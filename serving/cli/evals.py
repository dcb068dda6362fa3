"""`atelier bench NAME` and `atelier eval NAME`: print a table, then (with --json) one JSON line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.table import Table

console = Console(stderr=True)


def _run(kind: str, name: str, as_json: bool, options: dict[str, Any] | None = None) -> None:
    from eval import harness

    names = sorted(harness.registry(kind)) if name == "all" else [name]  # type: ignore[arg-type]
    try:
        results = [harness.run(kind, n, options=options) for n in names]  # type: ignore[arg-type]
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/red]")
        raise typer.Exit(2) from None
    for result in results:
        table = Table("metric", "value", title=f"{kind} {result['name']}")
        for metric, value in result["metrics"].items():
            if isinstance(value, dict):
                continue  # nested breakdowns (per category…) are in the JSON and the report
            table.add_row(metric, f"{value:.4g}" if isinstance(value, float) else str(value))
        console.print(table)
    if as_json:
        # `all` always prints the wrapper, so its shape does not depend on how many are registered
        final = results[0] if name != "all" else {"name": "all", "metrics": {}, "results": results}
        print(json.dumps(final, ensure_ascii=False))


def bench_command(
    name: Annotated[str, typer.Argument(help="Benchmark name, or 'all'.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result JSON as the last line.")] = False,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", "-o", help="KEY=VALUE passed to the benchmark (e.g. briefs=1)."),
    ] = None,
) -> None:
    """Run a benchmark; results go to eval/results/NAME.json."""
    options: dict[str, object] = {}
    for item in option or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"--option wants KEY=VALUE, got {item!r}")
        options[key] = value
    _run("bench", name, as_json, options or None)


def eval_command(
    name: Annotated[
        str, typer.Argument(help="Evaluation name, or 'all' (every eval and benchmark + report).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result JSON as the last line.")] = False,
    dataset: Annotated[
        Path | None, typer.Option(help="Dataset file for evals that take one (e.g. compliance JSONL).")
    ] = None,
    report_only: Annotated[
        bool, typer.Option("--report-only", help="With 'all': rewrite the report from the results there.")
    ] = False,
) -> None:
    """Run an evaluation; results go to eval/results/NAME.json. ``all`` runs every eval and every benchmark
    this machine can run, then writes eval/results/REPORT.md (tables and plots against the targets)."""
    if name == "all":
        _run_everything(as_json, report_only)
        return
    _run("eval", name, as_json, {"dataset": dataset} if dataset is not None else None)


def _run_everything(as_json: bool, report_only: bool) -> None:
    from eval import harness
    from eval.report import load_results, rows, write_report

    outcomes: dict[str, str] = {}
    if not report_only:
        kinds: tuple[Literal["eval", "bench"], ...] = ("eval", "bench")
        for kind in kinds:
            for name in sorted(harness.registry(kind)):
                reason = _cannot_run_here(kind, name)
                if reason:
                    outcomes[f"{kind} {name}"] = f"skipped: {reason}"
                    continue
                console.print(f"[bold]{kind} {name}[/bold] …")
                try:
                    harness.run(kind, name)
                    outcomes[f"{kind} {name}"] = "ok"
                except Exception as exc:  # noqa: BLE001 - one failing run must not stop the others
                    outcomes[f"{kind} {name}"] = f"failed: {type(exc).__name__}: {exc}"
    path = write_report()
    table = Table("issue", "metric", "measured", "target", "status", title=f"report: {path}")
    report_rows = rows(load_results())
    for row in report_rows:
        measured = "—" if row.measured is None else f"{row.measured:.4g}"
        target = f"{row.target.comparison} {row.target.value:g}"
        table.add_row(str(row.target.issue), row.target.metric, measured, target, row.status)
    console.print(table)
    for run, outcome in outcomes.items():
        if outcome != "ok":
            console.print(f"{run}: {outcome}")
    if as_json:
        met = sum(r.status == "met" for r in report_rows)
        print(
            json.dumps(
                {
                    "name": "all",
                    "metrics": {"targets_met": met, "targets": len(report_rows)},
                    "runs": outcomes,
                    "report": str(path),
                },
                ensure_ascii=False,
            )
        )


def _cannot_run_here(kind: str, name: str) -> str | None:
    """Why a run needs hardware this machine lacks (the GPU bench without CUDA), else None."""
    if kind == "bench" and name == "gpu":
        try:
            import torch
        except ImportError:
            return "torch is not installed"
        if not torch.cuda.is_available():
            return "no CUDA device (run scripts/gpu_checks.sh on a GPU machine)"
    return None
