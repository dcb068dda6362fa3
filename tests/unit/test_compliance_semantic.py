"""The semantic second opinion (over a fake, deterministic encoder): trains, round-trips, only warns, only at
full depth and only where nothing else found the category."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from compliance_rules.checker import Checker
from compliance_rules.engine import Engine
from compliance_rules.errors import InvalidCheckInput
from compliance_rules.loader import parse
from compliance_rules.schema import Pack
from compliance_rules.semantic import CATEGORIES, SemanticHead, SemanticOpinion, train
from pipelines.embeddings.text import HashingEncoder

ENDORSED = [
    "协和的大夫自己家里也用这款",
    "听说三甲医院的主任天天喝它",
    "北大医院教授私下都回购",
    "名医自用的同款",
]
CLEAN = ["新品口红上市", "冬季羽绒服保暖轻盈", "这款电饭煲煮饭香", "周末亲子游路线推荐", "春季新款连衣裙"]
ENDORSEMENT = CATEGORIES.index("FALSE_ENDORSEMENT")


def trained(encoder: HashingEncoder) -> SemanticHead:
    texts = ENDORSED * 5 + CLEAN * 5
    labels = [{"FALSE_ENDORSEMENT"}] * 20 + [set()] * 25
    head, stats = train(encoder.encode(texts), labels, encoder_name=encoder.name, folds=3)
    assert 0.5 <= stats["threshold"] <= 0.99 and stats["lines"] == 45
    return head


def test_train_save_load_and_score(tmp_path: Path) -> None:
    encoder = HashingEncoder()
    head = trained(encoder)
    path = tmp_path / "semantic.npz"
    head.save(path)
    loaded = SemanticHead.load(path)
    assert (loaded.threshold, loaded.version, loaded.encoder_name) == (
        head.threshold,
        "semantic-v1",
        "hashing",
    )
    opinion = SemanticOpinion(loaded, encoder)
    scores = opinion.scores(["协和的大夫家里也用", "保暖羽绒服新品"])
    assert scores.shape == (2, len(CATEGORIES))
    assert scores[0, ENDORSEMENT] > scores[1, ENDORSEMENT]
    np.testing.assert_allclose(
        scores, head.scores(encoder.encode(["协和的大夫家里也用", "保暖羽绒服新品"])), atol=1e-3
    )


def test_it_warns_only_at_full_depth_and_never_repeats_a_found_category() -> None:
    encoder = HashingEncoder()
    head = trained(encoder)
    head.threshold = 0.5
    pack = parse(
        Pack,
        "pack: p\nversion: '1'\nkind: law\ntitle: t\nrules:\n  - id: E\n    category: FALSE_ENDORSEMENT\n"
        "    message: m\n    law_ref: x\n    terms: [名医自用]\n",
        "p.yaml",
    )
    checker = Checker(Engine([pack]), None, SemanticOpinion(head, encoder))
    by_rule = checker.check_copy("名医自用的同款").findings
    assert [f.rule_id for f in by_rule] == ["p/E"]  # the rule found it: no second opinion on top
    by_model = checker.check_copy("协和的大夫自己家里也用这款").findings
    assert [(f.category, f.severity, f.rule_id, f.span) for f in by_model] == [
        ("FALSE_ENDORSEMENT", "warn", "semantic/semantic-v1", None)
    ]
    assert checker.check_copy("协和的大夫自己家里也用这款", depth="fast").verdict == "pass"
    assert checker.check_copy("冬季羽绒服保暖轻盈").verdict == "pass"
    with pytest.raises(InvalidCheckInput) as refused:
        checker.check_copy("冬季羽绒服", depth="deep")  # type: ignore[arg-type]
    assert refused.value.code == "unknown_depth"


def test_a_head_refuses_an_encoder_it_was_not_trained_on() -> None:
    head = trained(HashingEncoder())
    wider = HashingEncoder(dim=256)
    with pytest.raises(ValueError, match="512-d"):
        SemanticOpinion(head, wider)
    other = HashingEncoder()
    other.name = "use-multilingual-v3"
    with pytest.raises(ValueError, match="trained on 'hashing'"):
        SemanticOpinion(head, other)


def test_training_refuses_unknown_categories_and_skips_format_codes() -> None:
    encoder = HashingEncoder()
    texts = ENDORSED * 3 + CLEAN * 3
    vectors = encoder.encode(texts)
    with pytest.raises(ValueError, match="NOT_A_CATEGORY"):
        train(vectors, [{"NOT_A_CATEGORY"}] * 12 + [set()] * 15, encoder_name="hashing", folds=3)
    head, _ = train(
        vectors, [{"FALSE_ENDORSEMENT", "SPEC_TITLE_LENGTH"}] * 12 + [set()] * 15, encoder_name="h", folds=3
    )
    assert head.weights.shape == (512, len(CATEGORIES))
    with pytest.raises(ValueError, match="one label set per vector"):
        train(vectors, [set()], encoder_name="h")


def test_training_commands_name_the_file_and_line_of_a_bad_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from serving.cli.compliance import compliance_app

    data = tmp_path / "labelled.jsonl"
    data.write_text(
        '{"text": "新品口红上市", "categories": []}\n{"categories": ["VULGAR"]}\n', encoding="utf-8"
    )
    for command in ("train", "train-semantic"):
        done = CliRunner().invoke(
            compliance_app, [command, "--data", str(data), "--output", str(tmp_path / "m.npz")]
        )
        flat = "".join(ch for ch in done.output if not ch.isspace() and ch != "│")  # rich wraps its box
        assert done.exit_code == 2 and f"{data}:2" in flat
        assert not (tmp_path / "m.npz").exists()  # nothing half-written


def test_the_ngram_training_command_falls_back_to_random_folds_with_one_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from serving.cli.compliance import compliance_app

    data = tmp_path / "labelled.jsonl"
    rows = [{"text": f"今晚让他离不开你{i}号", "categories": ["VULGAR"]} for i in range(15)]
    rows += [{"text": f"保暖羽绒服新品{i}号", "categories": []} for i in range(15)]
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    done = CliRunner().invoke(
        compliance_app, ["train", "--data", str(data), "--output", str(tmp_path / "m.npz")]
    )
    assert done.exit_code == 0, done.output
    assert "random folds" in done.output and (tmp_path / "m.npz").exists()


def test_an_mlp_head_trains_round_trips_and_scores_like_before_saving(tmp_path: Path) -> None:
    from compliance_rules.semantic import Shape

    encoder = HashingEncoder()
    texts = ENDORSED * 5 + CLEAN * 5
    labels = [{"FALSE_ENDORSEMENT"}] * 20 + [set()] * 25
    shape = Shape(hidden=16, steps=200, rate=0.01, dropout=0.2)
    head, _ = train(encoder.encode(texts), labels, encoder_name=encoder.name, folds=3, shape=shape)
    assert head.hidden is not None and head.hidden.shape == (512, 16) and head.weights.shape == (16, 12)
    assert head.dim == 512
    again, _ = train(encoder.encode(texts), labels, encoder_name=encoder.name, folds=3, shape=shape)
    np.testing.assert_array_equal(again.weights, head.weights)  # seeded: the same data, the same head
    path = tmp_path / "mlp.npz"
    head.save(path)
    loaded = SemanticHead.load(path)
    probe = encoder.encode(["协和的大夫家里也用", "保暖羽绒服新品"])
    np.testing.assert_allclose(loaded.scores(probe), head.scores(probe), atol=2e-3)  # float16 weights
    scores = SemanticOpinion(loaded, encoder).scores(["协和的大夫家里也用", "保暖羽绒服新品"])
    assert scores[0, ENDORSEMENT] > scores[1, ENDORSEMENT]


def test_a_logistic_head_saved_without_a_hidden_layer_still_loads(tmp_path: Path) -> None:
    head = trained(HashingEncoder())
    path = tmp_path / "logistic.npz"
    head.save(path)
    with np.load(path) as data:
        assert "hidden" not in data
    loaded = SemanticHead.load(path)
    assert loaded.hidden is None and loaded.dim == 512
