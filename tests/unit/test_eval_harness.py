"""The bench/eval harness and `atelier bench|eval NAME --json`, with a tiny fake bench."""

from __future__ import annotations

import functools
import json
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval import harness
from serving.cli.main import app

FAKE_MODULE = """
CALLS = []

def run():
    CALLS.append(1)
    return {"metrics": {"speed": 1.5, "count": 3}, "config": {"n": 3}}

def broken():
    return {"config": {}}
"""


@pytest.fixture
def fake_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An importable module with a fake bench; registered as bench "fake" and eval "fake-eval"."""
    name = f"fake_bench_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(FAKE_MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(harness, "BENCHES", {"fake": f"{name}:run", "broken": f"{name}:broken"})
    monkeypatch.setattr(harness, "EVALS", {"fake-eval": f"{name}:run"})
    return name


@pytest.fixture
def results_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Send results of harness.run (also when the CLI calls it) to a temporary directory."""
    target = tmp_path / "results"
    monkeypatch.setattr(harness, "run", functools.partial(harness.run, results_dir=target))
    return target


def test_run_writes_the_result_object(fake_module: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = harness.run("bench", "fake", results_dir=out)
    assert result["name"] == "fake"
    assert result["kind"] == "bench"
    assert result["metrics"] == {"speed": 1.5, "count": 3}
    assert result["config"] == {"n": 3}  # other keys of the outcome are kept
    assert result["run"]["seconds"] >= 0
    assert datetime.fromisoformat(result["run"]["at"]).tzinfo is not None
    assert result["run"]["python"].startswith("3.11")
    written = json.loads((out / "fake.json").read_text(encoding="utf-8"))
    assert written == result
    assert sorted(p.name for p in out.iterdir()) == ["fake.json"]  # no temporary file left behind


def test_run_overwrites_the_previous_result(fake_module: str, tmp_path: Path) -> None:
    harness.run("bench", "fake", results_dir=tmp_path)
    first = json.loads((tmp_path / "fake.json").read_text(encoding="utf-8"))
    harness.run("bench", "fake", results_dir=tmp_path)
    second = json.loads((tmp_path / "fake.json").read_text(encoding="utf-8"))
    assert first["metrics"] == second["metrics"]
    calls = __import__(fake_module).CALLS
    assert len(calls) == 2


def test_kinds_use_their_own_registry(fake_module: str, tmp_path: Path) -> None:
    assert harness.registry("bench") is harness.BENCHES
    assert harness.registry("eval") is harness.EVALS
    assert harness.run("eval", "fake-eval", results_dir=tmp_path)["kind"] == "eval"
    with pytest.raises(KeyError, match="unknown eval 'fake'; known: fake-eval"):
        harness.resolve("eval", "fake")


def test_unknown_name_lists_the_known_ones(fake_module: str) -> None:
    with pytest.raises(KeyError, match=r"unknown bench 'nope'; known: broken, fake"):
        harness.resolve("bench", "nope")


def test_an_outcome_without_metrics_is_an_error(fake_module: str, tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="metrics"):
        harness.run("bench", "broken", results_dir=tmp_path)
    assert not (tmp_path / "broken.json").exists()


def test_the_real_api_bench_is_registered() -> None:
    assert harness.BENCHES["api"] == "eval.benches.api:run"
    assert callable(harness.resolve("bench", "api"))


def test_cli_prints_the_result_json_last(fake_module: str, results_dir: Path) -> None:
    result = CliRunner().invoke(app, ["bench", "fake", "--json"])
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["name"] == "fake"
    assert last["metrics"] == {"speed": 1.5, "count": 3}
    assert last == json.loads((results_dir / "fake.json").read_text(encoding="utf-8"))
    assert "speed" in result.stderr  # the table goes to standard error


def test_cli_without_json_prints_no_json(fake_module: str, results_dir: Path) -> None:
    result = CliRunner().invoke(app, ["bench", "fake"])
    assert result.exit_code == 0
    assert result.stdout.strip() == ""
    assert (results_dir / "fake.json").is_file()


def test_cli_unknown_bench_exits_2(fake_module: str, results_dir: Path) -> None:
    result = CliRunner().invoke(app, ["bench", "nope", "--json"])
    assert result.exit_code == 2
    assert "unknown bench 'nope'" in result.stderr
    assert not results_dir.exists()


def test_cli_all_wraps_every_result(
    fake_module: str, results_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `all` prints the wrapper object whether one or several are registered
    monkeypatch.setattr(harness, "BENCHES", {"fake": harness.BENCHES["fake"]})
    single = CliRunner().invoke(app, ["bench", "all", "--json"])
    assert single.exit_code == 0, single.output
    last = json.loads(single.stdout.strip().splitlines()[-1])
    assert last["name"] == "all"
    assert [r["name"] for r in last["results"]] == ["fake"]

    monkeypatch.setattr(
        harness, "BENCHES", {"fake": harness.BENCHES["fake"], "again": harness.BENCHES["fake"]}
    )
    several = CliRunner().invoke(app, ["bench", "all", "--json"])
    assert several.exit_code == 0, several.output
    last = json.loads(several.stdout.strip().splitlines()[-1])
    assert [r["name"] for r in last["results"]] == ["again", "fake"]
    assert sorted(p.name for p in results_dir.iterdir()) == ["again.json", "fake.json"]


def _result(metrics: dict[str, float], **extra: object) -> str:
    return json.dumps(
        {"name": "x", "kind": "bench", "metrics": metrics, "run": {"at": "2026-11-26"}, **extra}
    )


def test_report_compares_results_with_the_targets(tmp_path: Path) -> None:
    from eval.report import load_results, rows, write_report

    (tmp_path / "vision.json").write_text(_result({"dup_recall": 0.97, "dup_precision": 0.9}))
    (tmp_path / "copy.json").write_text(_result({"seconds_per_100": 250.0}))
    (tmp_path / "notes.json").write_text("[1, 2]")  # not a result: skipped
    (tmp_path / "gpu-nvidia-x.json").write_text(
        _result({"llm_batched_tokens_per_s": 1300.0, "pipeline_images_per_s": 0.75}, size="full", device="X")
    )
    path = write_report(tmp_path)
    by_metric = {(r.result, r.target.metric): r for r in rows(load_results(tmp_path))}
    assert by_metric[("vision", "dup_recall")].status == "met"
    assert by_metric[("vision", "dup_precision")].status == "not met"
    assert by_metric[("copy", "seconds_per_100")].status == "met"  # ≤ 300
    assert by_metric[("video", "render_seconds")].status == "not measured"
    text = path.read_text(encoding="utf-8")
    assert "| 7 | near-duplicate precision | `dup_precision` | 0.9 | >= 0.95 | ❌ not met |" in text
    assert (
        "![report-targets](report-targets.png)" in text and (tmp_path / "report-targets.png").stat().st_size
    )
    assert (tmp_path / "report-gpu.png").is_file() and "### `gpu-nvidia-x`" in text


def test_eval_all_runs_evals_and_benches_then_writes_the_report(
    fake_module: str, results_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(harness, "RESULTS_DIR", results_dir)
    monkeypatch.setattr(harness, "BENCHES", {**harness.BENCHES, "gpu": "eval.benches.gpu:run"})
    result = CliRunner().invoke(app, ["eval", "all", "--json"])
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["runs"]["eval fake-eval"] == "ok" and last["runs"]["bench fake"] == "ok"
    assert last["runs"]["bench broken"].startswith("failed: KeyError")  # reported; the others still ran
    import torch

    if not torch.cuda.is_available():
        assert last["runs"]["bench gpu"].startswith("skipped: no CUDA device")
    assert (results_dir / "REPORT.md").is_file() and last["metrics"]["targets"] >= 20
    again = CliRunner().invoke(app, ["eval", "all", "--report-only", "--json"])
    assert json.loads(again.stdout.strip().splitlines()[-1])["runs"] == {}
