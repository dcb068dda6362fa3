"""Word lists in regexes factored into prefix trees match exactly what the patterns as written match."""

from __future__ import annotations

import random
import re

import pytest

from compliance_rules import normalize as normalize_module
from compliance_rules.compiled import uncaptured
from compliance_rules.engine import Engine
from compliance_rules.factor import factored

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("别信|别轻信|别碰", "别(?:信|轻信|碰)"),
        ("不可|不可信", "不可(?:|信)"),  # the shorter word is still tried first, as written
        ("不可信|不可", "不可(?:信|)"),
        ("ab|c|ad", "a(?:b|d)|c"),  # different first characters never match at one place
        ("最好|[最]佳|最优", "最好|[最]佳|最优"),  # a set between them: no merging across it
        ("(?:最好|最佳)的|第一", "(?:最(?:好|佳))的|第一"),
        ("骗局|骗局", "骗局"),  # a repeated word can only fail again
        (r"a\.b|a\.c", r"a\.(?:b|c)"),
        ("a+b|ac", "a+b|ac"),  # a repeated first character may match where the others do: kept in place
        (r"稳\.?赚|只\.?赚|稳\.?赢", r"稳(?:\.?赚|\.?赢)|只\.?赚"),
    ],
)
def test_neighbouring_words_share_their_prefixes(pattern: str, expected: str) -> None:
    assert factored(pattern) == expected


@pytest.mark.parametrize(
    "pattern",
    [r"(a)\1|ab", "(?i)ab|ac", "(?>ab|ac)", "(?(1)a|b)", "ab|ac(", "a*+|ab", r"\d", "(?#note)ab|ac"],
)
def test_patterns_it_cannot_read_safely_come_back_unchanged(pattern: str) -> None:
    assert factored(pattern) == pattern


def _random_pattern(rng: random.Random, depth: int = 0) -> str:
    alphabet = "ab最好x"
    branches = []
    for _ in range(rng.randint(1, 5)):
        parts = []
        for _ in range(rng.randint(0, 3)):
            roll = rng.random()
            if roll < 0.5:
                parts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 3))))
            elif roll < 0.6:
                parts.append("[ab]")
            elif roll < 0.7:
                parts.append(".")
            elif roll < 0.8 and depth < 2:
                parts.append(f"(?:{_random_pattern(rng, depth + 1)}){rng.choice(['', '?', '{1,2}', '??'])}")
            elif roll < 0.85 and depth < 2:
                parts.append(f"(?!{_random_pattern(rng, depth + 1)})")
            elif roll < 0.9 and depth < 2:
                parts.append(f"({_random_pattern(rng, depth + 1)})")
            else:
                parts.append(rng.choice([r"\.", "$", "^"]))
        branches.append("".join(parts))
    return "|".join(branches)


def test_random_patterns_give_the_same_matches_and_spans() -> None:
    rng = random.Random(5)
    changed = 0
    for _ in range(3000):
        pattern = _random_pattern(rng)
        try:
            plain = re.compile(pattern)
        except re.error:
            continue
        fast = re.compile(factored(pattern))
        changed += fast.pattern != pattern
        for _ in range(4):
            text = "".join(rng.choice("ab最好x.") for _ in range(rng.randint(0, 12)))
            assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)], (
                pattern,
                text,
            )
    assert changed > 500  # the rewrite did run on many of them


SAMPLES = (
    "全网最低价，第一品牌，够硬!够粗!还有某果手机跟座机差不多",
    "加vx领券，隔壁老王家的烧饼用隔夜油，小朋友跟妈妈说快买",
    "本品不能代替药物。历史年化收益率3%，不代表未来表现。读《最好的告别》",
    "网上说这款面霜能祛斑是骗局，别信！我们只说保湿。不会跟你说包治百病，最高立减50元",
    "专家推荐，稳赚不赔，无效退款，国家级品质，某宝同款便宜一半，私信我拿链接",
)


def test_every_builtin_pattern_and_exception_matches_as_written() -> None:
    texts = [normalize_module.normalize(t).text for t in SAMPLES]
    for rule in Engine.builtin().rules:
        sources = list(rule.rule.patterns)
        for exception in (*rule.rule.exceptions, *rule.pack.exceptions):  # as written in the pack
            sources += [exception.followed_by or "", exception.sentence or ""]
            sources += [exception.preceded_by + "$"] if exception.preceded_by else []
        for source in filter(None, sources):
            plain, fast = re.compile(uncaptured(source)), re.compile(factored(uncaptured(source)))
            for text in texts:
                for start in (0, 7):
                    assert [m.span() for m in fast.finditer(text, start)] == [
                        m.span() for m in plain.finditer(text, start)
                    ], (rule.key, source)
