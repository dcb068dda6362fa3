"""`atelier bench NAME` and `atelier eval NAME`: print a table, then (with --json) one JSON line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

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
    name: Annotated[str, typer.Argument(help="Evaluation name, or 'all'.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result JSON as the last line.")] = False,
    dataset: Annotated[
        Path | None, typer.Option(help="Dataset file for evals that take one (e.g. compliance JSONL).")
    ] = None,
) -> None:
    """Run an evaluation; results go to eval/results/NAME.json."""
    _run("eval", name, as_json, {"dataset": dataset} if dataset is not None else None)
