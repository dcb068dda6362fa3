"""Reporting and education texts that sell nothing silence the statistical second opinions."""

from __future__ import annotations

import pytest

from compliance_rules.framing import is_reporting
from compliance_rules.normalize import normalize


@pytest.mark.parametrize(
    "text",
    [
        "新闻｜天安门广场举行国庆升旗仪式，数万名群众现场观看",
        "普法栏目｜国旗、国徽在商业活动中的使用规范解读",
        "【投资者教育】凡是承诺保本保息的理财都要警惕",
        "省博物馆新展｜汉代鎏金辟邪铜像首次展出",
        "感冒别乱吃消炎药：抗生素只对细菌感染有效（科普）",
        "#科普# 高血压患者为什么要按时服药",
        "《广告法》第九条禁止使用“国家级”“最高级”等用语",
        "广告法规定，广告不得使用“最佳”等用语",
    ],
)
def test_reporting_that_sells_nothing(text: str) -> None:
    assert is_reporting(normalize(text).text)


@pytest.mark.parametrize(
    "text",
    [
        "新闻｜国家领导人同款茶叶限时抢购",  # dressed as news, but it sells
        "科普：高血压怎么办？我们的降压茶喝一周就能停药",
        "博物馆同款开光手串，链接在评论区",
        "天安门广场升旗仪式，新闻联播都报道了",  # no reporting header
        "这款面霜用了一周，皮肤好多了",
        "广告法规定不能说最好，但这款真的是同价位里我用过最好的，链接在下方",  # quotes the law, then sells
    ],
)
def test_adverts_and_plain_copy_are_not_reporting(text: str) -> None:
    assert not is_reporting(normalize(text).text)


def test_the_checker_skips_the_models_for_reporting_but_still_runs_the_rules() -> None:
    import numpy as np

    from compliance_rules.checker import Checker
    from compliance_rules.classifier import BUCKETS, CATEGORIES, NgramClassifier
    from compliance_rules.engine import Engine

    # a model that scores every category ~1.0 on any text: it warns wherever it is asked
    alarm = NgramClassifier(
        np.zeros((BUCKETS, len(CATEGORIES)), dtype=np.float32),
        np.full(len(CATEGORIES), 10.0, dtype=np.float32),
        0.5,
        "alarm",
    )
    checker = Checker(Engine.builtin(), classifier=alarm)
    reporting = checker.check_copy("新闻｜天安门广场举行国庆升旗仪式")
    assert reporting.verdict == "pass" and not reporting.findings
    plain = checker.check_copy("这款面霜用了一周，皮肤好多了")
    assert {f.rule_id for f in plain.findings} == {"classifier/alarm"}
    result = checker.check_copy("新闻｜本店全网最低价，国家领导人同款")  # sells: rules still fire
    assert result.verdict == "block"
