"""The engine's fast paths give the answers of the plain computations they replace."""

from __future__ import annotations

import gc
import math
import random
import re

import numpy as np
import pytest

from compliance_rules import normalize as normalize_module
from compliance_rules.checker import Checker
from compliance_rules.classifier import BUCKETS, buckets, builtin_classifier
from compliance_rules.compiled import scanning_form, uncaptured
from compliance_rules.engine import Engine
from compliance_rules.literals import Literals
from compliance_rules.loader import parse
from compliance_rules.models import Source
from compliance_rules.normalize import Normalized
from compliance_rules.schema import Pack
from compliance_rules.taxonomy import INDUSTRIES

ALPHABET = "最好第一微信信加vx😀\udc00a"


def naive_find(words: dict[str, int], text: str) -> list[tuple[int, int]]:
    """Every occurrence by end position, longer words first at one end: what Literals promises."""
    found = [
        (start + len(word) - 1, -len(word), value)
        for word, value in words.items()
        for start in range(len(text))
        if text.startswith(word, start)
    ]
    return [(end, value) for end, _, value in sorted(found)]


def test_literals_find_every_occurrence_in_order_and_never_mid_character() -> None:
    rng = random.Random(7)
    for _ in range(300):
        drawn = sorted({"".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 4))) for _ in range(8)})
        words = {word: index for index, word in enumerate(drawn)}
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
        assert Literals(words).find(text) == naive_find(words, text), (words, text)
    # UTF-32-BE: "\u0100\u4e2d" is 00 00 01 00 00 00 4E 2D, which holds "N" (00 00 00 4E) across the two
    assert Literals({"N": 1}).find("\u0100\u4e2d") == [] and Literals({"N": 1}).find("\u0100N") == [(1, 1)]
    assert Literals({}).find("abc") == [] and Literals({"a": 1}).find("") == []


def test_the_drop_precheck_flags_every_character_the_fold_can_drop() -> None:
    noise = normalize_module._is_noise.__wrapped__  # lru_cache keeps the plain function
    flagged = normalize_module._maybe_dropped()
    missed = [
        code
        for code in range(0x1F000)  # above, everything is noise and flagged by the astral range
        if (chr(code) == "." or noise(chr(code))) and not flagged.search(chr(code))
    ]
    assert missed == []
    assert flagged.search("\U0001f525") and flagged.search("\U00020000")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("加 微 信", "加微信"),
        ("最🔥好", "最好"),
        ("稳.赚", "稳赚"),
        ("3.5折", "3.5折"),
        ("全網最低價，", "全网最低价,"),
    ],
)
def test_normalise_drops_separators_only_inside_words(text: str, expected: str) -> None:
    normalized = normalize_module.normalize(text)
    assert normalized.text == expected
    assert len(normalized.starts) == len(normalized.ends) == len(expected)


def reference_buckets(text: str) -> np.ndarray:
    """The hashing as first written: int64 arithmetic, concatenated, then % BUCKETS."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    p1, p2 = np.int64(1_000_003), np.int64(998_244_353)
    parts = [codes * 3 + 1]
    if len(codes) > 1:
        parts.append((codes[:-1] * p1 + codes[1:]) * 3 + 2)
    if len(codes) > 2:
        parts.append(((codes[:-2] * p1 + codes[1:-1]) * p2 + codes[2:]) * 3)
    return np.concatenate(parts) % BUCKETS


def test_buckets_and_scores_match_the_plain_numpy_formulas() -> None:
    classifier = builtin_classifier()
    assert classifier is not None
    rng = random.Random(11)
    texts = ["", "a", "ab", "最好的", "\U0010ffff" * 3]
    texts += [
        "".join(chr(rng.choice([rng.randint(32, 0xD7FF), rng.randint(0xE000, 0x10FFFF)])) for _ in range(n))
        for n in range(60)
    ]
    for text in texts:
        expected = reference_buckets(text)
        got = buckets(text, text)
        assert got.dtype == np.int64 and np.array_equal(got, expected), text
        if len(expected):
            logits = (
                classifier.weights[expected].sum(axis=0) / np.float32(np.sqrt(len(expected)))
                + classifier.bias
            )
            want = np.asarray(1.0 / (1.0 + np.exp(-logits)), dtype=np.float32)
            assert np.array_equal(classifier.scores(text, text), want), text
    assert math.isclose(float(classifier.scores("")[0]), 0.0)


ORDER_PACK = """
pack: order
version: "1"
kind: law
title: t
rules:
  - id: R
    category: PLATFORM_DIVERSION
    message: m
    terms: [微信, 信]
    rewrites: {微信: 联系方式, 信: 消息}
"""


def test_ties_on_one_original_span_keep_the_longer_normalised_match() -> None:
    # as if "v信" had been read as 微信: both 微信 and 信 then cover the original "v信"; the automaton
    # reports the longer one first at that end, and the stable sort keeps it
    engine = Engine([parse(Pack, ORDER_PACK, "order.yaml")])
    normalized = Normalized("加微信", (0, 1, 1), (1, 3, 3))
    (finding,) = engine.findings("加v信", None, None, Source.TEXT, normalized)
    assert (finding.matched, finding.span, finding.rewrite) == ("v信", (1, 3), "联系方式")


def test_plans_for_new_scopes_leave_nothing_for_the_garbage_collector() -> None:
    engine = Engine.builtin()
    engine.findings("最好的", None, None, Source.TEXT)
    gc.collect()
    before = len(gc.get_objects())
    for industry in sorted(INDUSTRIES):
        for platform in (None, "douyin"):
            engine.findings("全网最低价，加微信", industry, platform, Source.TEXT)
    gc.collect()
    assert len(gc.get_objects()) - before < 4 * len(INDUSTRIES)


SAMPLES = (
    "全网最低价，第一品牌，够硬!够粗!还有某果手机跟座机差不多",
    "加vx领券，隔壁老王家的烧饼用隔夜油，小朋友跟妈妈说快买",
    "本品不能代替药物。历史年化收益率3%，不代表未来表现。读《最好的告别》",
    "90%的用户都说好，稳赚不赔，包过！国家级专家推荐，三天见效",
)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"(a|b)c", r"(?:a|b)c"),
        (r"[(]x(y)", r"[(]x(?:y)"),
        (r"\(z(w)\)", r"\(z(?:w)\)"),
        (r"[]()](q)", r"[]()](?:q)"),
        (r"[^]()](q)", r"[^]()](?:q)"),
        (r"(?P<n>a)(b)", r"(?P<n>a)(?:b)"),
        (r"(a)\1", r"(a)\1"),  # a backreference needs its group
        (r"(?(1)a|b)", r"(?(1)a|b)"),
    ],
)
def test_uncaptured_only_touches_capturing_groups(pattern: str, expected: str) -> None:
    assert uncaptured(pattern) == expected


def test_scanning_forms_match_what_the_packs_wrote() -> None:
    assert scanning_form("最好|第一") == "最好|第一"  # re finds the first characters by itself
    assert scanning_form(r"(?:\d+%|最好)的") == r"(?=[最\d])(?:(?:\d+%|最好)的)"
    texts = [normalize_module.normalize(t).text for t in SAMPLES]
    for rule in Engine.builtin().rules:
        for source in rule.rule.patterns:
            plain, fast = re.compile(source), re.compile(scanning_form(uncaptured(source)))
            for text in texts:
                for start in (0, 5):
                    assert [m.span() for m in fast.finditer(text, start)] == [
                        m.span() for m in plain.finditer(text, start)
                    ], (rule.key, source)


def test_joined_exceptions_excuse_exactly_what_each_exception_excuses() -> None:
    rng = random.Random(3)
    texts = [normalize_module.normalize(t).text for t in SAMPLES]
    for rule in Engine.builtin().rules:
        if not rule.exceptions:
            continue
        for text in texts:
            for _ in range(12):
                start = rng.randrange(len(text))
                end = min(len(text), start + rng.randint(1, 4))
                sentence = text[max(0, start - 10) : end + 10]
                plain = any(e.excuses(text, start, end, sentence) for e in rule.exceptions)
                assert rule.context.excuses(text, start, end, sentence) == plain, (rule.key, text, start)


def test_short_copy_alone_is_checked_inline_and_answers_as_before() -> None:
    from serving.compliance import service
    from serving.compliance.schemas import CheckRequest, CheckResponse

    assert service.runs_inline(CheckRequest(text="最好的口红"))
    assert not service.runs_inline(CheckRequest(text="x" * (service.INLINE_MAX_CHARS + 1)))
    assert not service.runs_inline(CheckRequest(text="最好", brand_id="b1"))
    checker = Checker.builtin()
    result = checker.check_copy("全网最低价，加微信领券", industry="cosmetics", platform="douyin")
    before = CheckResponse(**result.model_dump(), brand_vi="brand/vi.yaml@abc", asset=None)
    assert service._response(result, "brand/vi.yaml@abc", None).model_dump_json() == before.model_dump_json()


FOLD_ALPHABET = "最好號碼微信ＡＢ１！，　❤💗a Z.·\udc00😀𠀀"


def test_array_folding_gives_what_translate_gives() -> None:
    rng = random.Random(11)
    texts = [
        "",
        "最好",
        "號碼！",
        "a\udc00b",
        "😀",
        *("".join(rng.choices(FOLD_ALPHABET, k=12)) for _ in range(400)),
    ]
    for text in texts:
        assert normalize_module._fast_fold(text) == text.translate(normalize_module._fast_table()), text
        assert normalize_module._classes(text) == text.translate(normalize_module._CLASS), text


HIT_PACK = """
pack: hits
version: "1"
kind: law
title: t
rules:
  - id: LONG
    category: ABSOLUTE_TERMS
    severity: warn
    message: m
    terms: [最好的选择]
  - id: SHORT
    category: ABSOLUTE_TERMS
    severity: block
    message: m
    terms: [最好]
    exceptions:
      - followed_by: "的选择"
  - id: OTHER
    category: GUARANTEES
    severity: block
    message: m
    terms: [最好的]
"""


def test_an_excused_hit_does_not_hide_a_weaker_overlapping_one() -> None:
    # SHORT outranks LONG but is excused here, so LONG (which it overlaps) must still be found; OTHER is
    # another category and stands beside both
    engine = Engine([parse(Pack, HIT_PACK, "hits.yaml")])
    found = engine.findings("这是最好的选择", None, None, Source.TEXT)
    assert [(f.rule_id, f.span) for f in found] == [("hits/LONG", (2, 7)), ("hits/OTHER", (2, 5))]
    found = engine.findings("最好", None, None, Source.TEXT)
    assert [(f.rule_id, f.span) for f in found] == [("hits/SHORT", (0, 2))]
