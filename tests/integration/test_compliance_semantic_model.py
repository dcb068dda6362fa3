"""The shipped semantic head over the real multilingual sentence encoders (weights inside their pip packages):
it scores paraphrases without trigger words above its threshold and plain copy and disclaimers below, and the
checker runs it at full depth only."""

from __future__ import annotations

import pytest

from compliance_rules.checker import Checker
from compliance_rules.semantic import CATEGORIES, SemanticOpinion, builtin_semantic

PARAPHRASES = [  # written for this test; none is in the training data
    ("隔壁省人素质就是不行，我们只卖给本地人", "DISCRIMINATION"),
    ("矮个子男生就别想找到女朋友了，除非穿上这双增高鞋", "DISCRIMINATION"),
    ("三甲医院的主任私下都推荐这款", "FALSE_ENDORSEMENT"),
]
# Under the head's bar (a coach is a weaker endorser than a doctor: about 0.88 against 0.98), above its
# secondary bar (0.5): named once something else flags the text (here the rules find 全网最低价; see the
# checker test below).
BORDERLINE = [("健身房教练自己也在吃这个蛋白粉，全网最低价", "FALSE_ENDORSEMENT")]
CLEAN = ["冬季羽绒服保暖轻盈，90%白鸭绒", "周末带娃去科技馆，亲子票8折", "本品不能代替药物，请遵医嘱"]


@pytest.fixture(scope="module")
def opinion() -> SemanticOpinion:
    loaded = builtin_semantic()
    assert loaded is not None, "compliance_rules/models/semantic.npz is missing"
    return loaded


def test_the_shipped_head_matches_the_shipped_encoder(opinion: SemanticOpinion) -> None:
    assert opinion.encoder.name == opinion.head.encoder_name
    assert 0.5 <= opinion.head.threshold < 1.0


def test_paraphrases_score_above_the_threshold_and_plain_copy_below(opinion: SemanticOpinion) -> None:
    scores = opinion.scores([text for text, _ in PARAPHRASES] + CLEAN)
    for row, (text, category) in zip(scores, PARAPHRASES, strict=False):
        assert row[CATEGORIES.index(category)] >= opinion.head.threshold, text
    for row, text in zip(scores[len(PARAPHRASES) :], CLEAN, strict=True):
        assert row.max() < opinion.head.threshold, text
    secondary = opinion.head.secondary or opinion.head.threshold
    for row, (text, category) in zip(opinion.scores([t for t, _ in BORDERLINE]), BORDERLINE, strict=True):
        assert secondary <= row[CATEGORIES.index(category)] < opinion.head.threshold, text


def test_the_checker_asks_it_at_full_depth_only() -> None:
    checker = Checker.builtin()
    assert checker.semantic is not None
    for text, category in PARAPHRASES + BORDERLINE:
        full = checker.check_copy(text)
        assert full.verdict != "pass" and category in {f.category for f in full.findings}
        assert all(
            f.severity == "warn" and f.span is None
            for f in full.findings
            if f.rule_id.startswith("semantic/")
        )
        fast = checker.check_copy(text, depth="fast")
        assert not any(f.rule_id.startswith("semantic/") for f in fast.findings)
    for text in CLEAN:
        assert checker.check_copy(text).verdict == "pass"
