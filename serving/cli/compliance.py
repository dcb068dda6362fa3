"""`atelier compliance check --input F.jsonl`: one output line per input line (the DESIGN.md contract)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from pydantic import ValidationError

from compliance_rules.brand import BrandVI
from compliance_rules.checker import DEPTHS, Checker, Depth
from compliance_rules.engine import Engine
from compliance_rules.errors import ComplianceError
from compliance_rules.labelled import read_labelled
from compliance_rules.loader import load_packs, parse
from serving.compliance.schemas import CheckLine

TrainingData = Annotated[
    list[Path], typer.Option("--data", help="Labelled JSONL: {text, categories | expected}.")
]
ByFile = Annotated[
    bool,
    typer.Option(
        "--by-file/--random-folds",
        help="Cross-validate holding out whole --data files (new writers), or random lines.",
    ),
]

compliance_app = typer.Typer(help="Compliance checks against the ad law, industries, platforms and brand VI.")


def _error(line_id: Any, code: str, message: str) -> dict[str, Any]:
    return {"id": line_id, "verdict": None, "findings": [], "error": {"code": code, "message": message}}


def check_line(
    checker: Checker, raw: bytes, number: int, brand: BrandVI | None, depth: Depth = "full"
) -> dict[str, Any]:
    """The output object for one input line (an ``error`` object instead of a crash)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _error(None, "invalid_utf8", f"line {number}: not UTF-8 ({exc.reason} at byte {exc.start})")
    try:
        line = CheckLine.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"])) or "line"
        return _error(None, "invalid_line", f"line {number}: {where}: {first['msg']}")
    try:
        result = checker.check_copy(
            line.text,
            title=line.title,
            industry=line.industry,
            platform=line.platform,
            brand=brand,
            depth=depth,
        )
    except ComplianceError as exc:
        return _error(line.id, exc.code, f"line {number}: {exc.message}")
    return {
        "id": line.id,
        "verdict": result.verdict.value,
        "findings": [f.model_dump(mode="json", exclude_none=True) for f in result.findings],
        **({"rewrite": result.rewrite} if result.rewrite else {}),
    }


@compliance_app.command("check")
def check(
    input_path: Annotated[
        Path, typer.Option("--input", "-i", help="JSONL: {id, text, industry?, platform?}.")
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    brand_vi: Annotated[Path | None, typer.Option(help="A brand VI pack (YAML) to apply too.")] = None,
    packs: Annotated[
        list[Path] | None, typer.Option("--pack", help="Use these rule packs instead of the built-in ones.")
    ] = None,
    depth: Annotated[
        str, typer.Option(help="full: rules + n-gram + semantic second opinion; fast: rules + n-gram.")
    ] = "full",
) -> None:
    """Check every line; exit 1 when a line could not be checked (its output line says why)."""
    if depth not in DEPTHS:
        typer.echo(f"error: unknown depth {depth!r}; one of {', '.join(DEPTHS)}", err=True)
        raise typer.Exit(2)
    chosen: Depth = "fast" if depth == "fast" else "full"
    try:
        checker = Checker(Engine(load_packs(packs))) if packs else Checker.builtin()
        brand = parse(BrandVI, brand_vi.read_text(encoding="utf-8"), str(brand_vi)) if brand_vi else None
    except (ComplianceError, OSError) as exc:
        typer.echo(f"error: {getattr(exc, 'message', exc)}", err=True)
        raise typer.Exit(2) from None
    try:
        data = input_path.read_bytes()
    except OSError as exc:
        typer.echo(f"error: cannot read {input_path}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    failed = 0
    sink: TextIO = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        for number, raw in enumerate(data.splitlines(), 1):
            if not raw.strip():
                continue
            out = check_line(checker, raw, number, brand, chosen)
            failed += "error" in out
            sink.write(json.dumps(out, ensure_ascii=False) + "\n")
    finally:
        if output:
            sink.close()
    if failed:
        typer.echo(f"{failed} line(s) could not be checked", err=True)
        raise typer.Exit(1)


@compliance_app.command("train")
def train_classifier(
    data: TrainingData,
    output: Annotated[Path, typer.Option(help="Where to write the model (.npz).")],
    max_clean_fpr: Annotated[
        float, typer.Option(help="Cross-validated FPR allowed to the model alone.")
    ] = 0.02,
    by_file: ByFile = True,
) -> None:
    """Train the n-gram second opinion (warn-only) and choose its threshold by cross-validation."""
    from compliance_rules.classifier import train

    texts, labels, groups = _labelled(data)
    model, stats = train(texts, labels, max_clean_fpr=max_clean_fpr, groups=_folds_by(groups, by_file))
    output.parent.mkdir(parents=True, exist_ok=True)
    model.save(output)
    typer.echo(json.dumps(stats, ensure_ascii=False))


@compliance_app.command("train-semantic")
def train_semantic(
    data: TrainingData,
    output: Annotated[Path, typer.Option(help="Where to write the head (.npz).")],
    max_clean_fpr: Annotated[
        float, typer.Option(help="Cross-validated FPR allowed to the head alone.")
    ] = 0.02,
    by_file: ByFile = True,
    logistic: Annotated[
        bool,
        typer.Option(
            "--logistic", help="Fit one logistic regression per category instead of the shipped MLP head."
        ),
    ] = False,
) -> None:
    """Train the semantic second opinion (sentence embedding + MLP head, warn-only)."""
    from compliance_rules.semantic import LOGISTIC, MLP, default_encoder, train

    texts, labels, groups = _labelled(data)
    encoder = default_encoder()
    head, stats = train(
        encoder.encode(texts),
        labels,
        encoder_name=encoder.name,
        max_clean_fpr=max_clean_fpr,
        groups=_folds_by(groups, by_file),
        shape=LOGISTIC if logistic else MLP,
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    head.save(output)
    typer.echo(json.dumps(stats, ensure_ascii=False))


def _folds_by(groups: list[int], by_file: bool, folds: int = 5) -> list[int] | None:
    """The files as cross-validation groups, or None (random folds) when asked or with too few files."""
    if by_file and len(set(groups)) < folds:
        count = len(set(groups))
        typer.echo(f"note: {count} file(s) cannot fill {folds} folds by file: random folds", err=True)
        return None
    return groups if by_file else None


def _labelled(data: list[Path]) -> tuple[list[str], list[set[str]], list[int]]:
    """Texts, their category sets and their file's index; a bad line names its file and line."""
    try:
        return read_labelled(data)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
