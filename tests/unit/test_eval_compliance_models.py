"""The models' cross-validation eval on a small corpus of three writers (a hashing encoder stands in for
the sentence encoder): it holds out whole files, reports recall and clean FPR per model, and names files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compliance_rules import semantic
from eval.evals import compliance_models
from pipelines.embeddings.text import HashingEncoder

VIOLATING = [
    ("全网最低价，买贵退差", ["ABSOLUTE_TERMS"]),
    ("加我微信领券，私聊发链接", ["PLATFORM_DIVERSION"]),
    ("喝了能治高血压，三天见效", ["MEDICAL_CLAIMS"]),
    ("稳赚不赔，保本高收益", ["GUARANTEES"]),
    ("开光貔貅，招财转运", ["SUPERSTITION"]),
    ("史上最强，行业第一", ["ABSOLUTE_TERMS"]),
]
CLEAN = ["新款羽绒服上市，保暖轻便", "秋季新品咖啡，微甜不腻", "周末门店八折，欢迎到店", "纯棉T恤，三色可选"]


def _writer(path: Path, salt: str) -> Path:
    rows = [{"id": f"{salt}{i}", "text": t + salt, "categories": c} for i, (t, c) in enumerate(VIOLATING)]
    rows += [{"id": f"{salt}c{i}", "text": t + salt, "categories": []} for i, t in enumerate(CLEAN)]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    files = [_writer(tmp_path / f"writer{n}.jsonl", salt) for n, salt in enumerate("甲乙丙丁戊")]
    monkeypatch.setattr(compliance_models, "training_files", lambda: files)
    monkeypatch.setattr(compliance_models, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(compliance_models, "ROOT", tmp_path)
    monkeypatch.setattr(semantic, "default_encoder", HashingEncoder)
    return files


def test_reports_each_model_alone_and_together_by_writer(corpus: list[Path]) -> None:
    outcome = compliance_models.run(epochs=40)
    metrics = outcome["metrics"]
    assert metrics["lines"] == 50 and metrics["files"] == 5
    assert metrics["ngram_budget"] == 0.02 and metrics["semantic_budget"] == 0.01
    for name in ("ngram", "semantic", "either", "joint"):
        assert 0.0 <= metrics[f"{name}_cv_recall"] <= 1.0
        assert 0.0 <= metrics[f"{name}_cv_clean_fpr"] <= 1.0
    assert metrics["either_cv_recall"] >= max(metrics["ngram_cv_recall"], metrics["semantic_cv_recall"])
    assert {row["file"] for row in outcome["per_file"]} == {p.name for p in corpus}
    report = (corpus[0].parent / outcome["report"]).read_text(encoding="utf-8")
    assert "| either |" in report and "| joint |" in report and "writer0.jsonl" in report


def test_it_takes_no_dataset(corpus: list[Path]) -> None:
    with pytest.raises(ValueError, match="no --dataset"):
        compliance_models.run(dataset=corpus[0])


def test_blind_sets_never_join_the_training_files() -> None:
    names = {p.stem for p in compliance_models.training_files()}
    assert not names & compliance_models.BLIND
    assert {"train_extra35_zh", "compliance_val16_zh"} <= names  # the dev set needs ../shared
