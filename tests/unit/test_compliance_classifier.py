"""The n-gram second opinion: trains, round-trips, only warns, and only where the rules found nothing."""

from __future__ import annotations

from pathlib import Path

from compliance_rules.checker import Checker
from compliance_rules.classifier import NgramClassifier, buckets, builtin_classifier, train
from compliance_rules.engine import Engine
from compliance_rules.loader import parse
from compliance_rules.schema import Pack

VULGAR = ["今晚让他欲罢不能", "穿上它今晚他离不开你", "让他今晚欲罢不能的香水", "今晚他一定离不开你的身体"]
CLEAN = ["新品口红上市", "冬季羽绒服保暖轻盈", "这款电饭煲煮饭香", "周末亲子游路线推荐", "春季新款连衣裙"]


def test_train_save_load_and_score(tmp_path: Path) -> None:
    texts = VULGAR * 5 + CLEAN * 5
    labels = [{"VULGAR"}] * 20 + [set()] * 25
    model, stats = train(texts, labels, folds=3)
    assert 0.05 <= stats["threshold"] <= 0.95 and stats["lines"] == 45
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = NgramClassifier.load(path)
    assert loaded.threshold == model.threshold and loaded.version == "ngram-v1"
    vulgar = loaded.scores("今晚让他离不开你")
    clean = loaded.scores("保暖羽绒服新品")
    index = 6  # VULGAR is the 7th contract category
    assert vulgar[index] > clean[index]
    assert len(buckets("abc")) == 6 and len(buckets("")) == 0


def test_it_only_warns_and_never_repeats_a_rule_category(tmp_path: Path) -> None:
    model, _ = train(VULGAR * 5 + CLEAN * 5, [{"VULGAR"}] * 20 + [set()] * 25, folds=3)
    model.threshold = 0.3
    pack = parse(
        Pack,
        "pack: p\nversion: '1'\nkind: law\ntitle: t\nrules:\n  - id: V\n    category: VULGAR\n"
        "    message: m\n    law_ref: x\n    terms: [欲罢不能]\n",
        "p.yaml",
    )
    checker = Checker(Engine([pack]), model)
    by_rule = checker.check_copy("今晚让他欲罢不能").findings
    assert [f.rule_id for f in by_rule] == ["p/V"]  # the rule found it: no second opinion on top
    by_model = checker.check_copy("穿上它今晚他离不开你").findings
    assert [(f.category, f.severity, f.rule_id) for f in by_model] == [
        ("VULGAR", "warn", "classifier/ngram-v1")
    ]
    assert checker.check_copy("冬季羽绒服保暖轻盈").verdict == "pass"


def test_the_shipped_model_loads() -> None:
    model = builtin_classifier()
    assert model is not None and 0.05 <= model.threshold <= 0.95
    assert model.scores("新品上市").shape == (12,)
