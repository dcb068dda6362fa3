"""The compliance engine's mechanics on small inline packs: matching, context, scope, spans, rewrites."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance_rules.brand import BrandVI
from compliance_rules.checker import Checker
from compliance_rules.engine import MAX_TEXT_CHARS, Engine
from compliance_rules.errors import InvalidCheckInput, RulePackError
from compliance_rules.loader import load_pack, parse
from compliance_rules.models import Source
from compliance_rules.normalize import normalize
from compliance_rules.schema import Pack
from compliance_rules.specs import MediaFacts

HEAD = "pack: x\nversion: '1'\nkind: law\ntitle: t\nrules:\n  - id: A\n"
PACK = """
pack: test_law
version: "1"
kind: law
title: test
allow: [国家地理]
rules:
  - id: ABS-1
    category: ABSOLUTE_TERMS
    message: absolute
    law_ref: 《广告法》第九条第（三）项
    terms: [最好, 最低, 国家级, 家级, 地理]
    rewrites: {最好: 出色}
    exceptions:
      - followed_by: "^(三天|一天)"
        note: deadline
      - preceded_by: "(不是|并非)"
        note: negation
      - sentence: "据.{0,20}(报告|数据)"
        note: substantiated
  - id: DIV-1
    category: PLATFORM_DIVERSION
    message: diversion
    patterns: ["加微信", "1[3-9]\\\\d{9}"]
    triggers: [微信, "1"]
    except_platforms: [offline_screen]
  - id: MED-1
    category: MEDICAL_CLAIMS
    message: medical
    terms: [治疗]
    requires: ["(痘|炎|病)"]
    industries: [cosmetics]
  - id: WARN-1
    category: FALSE_ENDORSEMENT
    severity: warn
    message: needs a source
    terms: [销量第一]
"""


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine([parse(Pack, PACK, "test.yaml")])


def cats(engine: Engine, text: str, **kw: str) -> list[str]:
    return [f.category for f in engine.check_text(text, **kw).findings]


def test_normalise_folds_width_script_separators_and_variants_and_maps_back() -> None:
    text = "全網 最低價，加 V❤：１３８ ００１３ ８０００"
    normalized = normalize(text)
    assert normalized.text == "全网最低价,加微信:13800138000"
    start = normalized.text.index("加微信")
    assert text[slice(*normalized.original_span(start, start + 3))] == "加 V❤"
    digits = normalized.text.index("138")
    assert text[slice(*normalized.original_span(digits, digits + 11))] == "１３８ ００１３ ８０００"
    assert normalize("女装 新品").text == "女装新品"
    assert normalize("最🔥好").text == "最好"


def test_terms_match_obfuscated_text_with_spans_in_the_original(engine: Engine) -> None:
    text = "這款是 最*好 的選擇"
    (finding,) = engine.check_text(text).findings
    assert finding.category == "ABSOLUTE_TERMS" and finding.rule_id == "test_law/ABS-1"
    assert finding.matched == "最*好" and text[slice(*finding.span or (0, 0))] == "最*好"
    assert finding.law_ref == "《广告法》第九条第（三）项"
    assert finding.rewrite == "出色" and "出色" in (finding.suggestion or "")
    assert engine.check_text(text).rewrite == "這款是 出色 的選擇"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("全场最低三天，快来", []),  # followed_by exception
        ("我们不是最好的，但很用心", []),  # preceded_by exception
        ("据第三方2025年报告，同类最低能耗", []),  # sentence exception
        ("国家地理推荐路线", []),  # pack allow list
        ("同类产品中最低能耗。据说很好", ["ABSOLUTE_TERMS"]),  # the substantiation is another sentence
        ("最好的选择", ["ABSOLUTE_TERMS"]),
    ],
)
def test_context_exceptions(engine: Engine, text: str, expected: list[str]) -> None:
    assert cats(engine, text) == expected


def test_patterns_scope_requires_and_severity(engine: Engine) -> None:
    assert cats(engine, "加微信领取优惠") == ["PLATFORM_DIVERSION"]
    assert cats(engine, "咨询电话13800138000") == ["PLATFORM_DIVERSION"]
    assert cats(engine, "咨询电话13800138000", platform="offline_screen") == []
    assert cats(engine, "专业治疗痘痘", industry="cosmetics") == ["MEDICAL_CLAIMS"]
    assert cats(engine, "专业治疗痘痘", industry="apparel") == []  # industry scope
    assert cats(engine, "河道治疗工程", industry="cosmetics") == []  # requires not met
    result = engine.check_text("销量第一的口红")
    assert result.verdict == "warn" and result.findings[0].severity == "warn"
    assert engine.check_text("普通的口红").verdict == "pass"


def test_overlapping_matches_of_one_category_are_one_finding(engine: Engine) -> None:
    findings = engine.check_text("国家级产品").findings
    assert [(f.category, f.matched) for f in findings] == [("ABSOLUTE_TERMS", "国家级")]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"text": ""}, "empty_text"),
        ({"text": "   "}, "empty_text"),
        ({"text": "好" * (MAX_TEXT_CHARS + 1)}, "text_too_long"),
        ({"text": "好", "platform": "myspace"}, "unknown_platform"),
        ({"text": "好", "industry": "spaceships"}, "unknown_industry"),
    ],
)
def test_bad_input_is_refused_with_a_code(engine: Engine, kwargs: dict[str, str], code: str) -> None:
    text = kwargs.pop("text")
    with pytest.raises(InvalidCheckInput) as err:
        engine.check_text(text, **kwargs)
    assert err.value.code == code


def test_aliases_resolve(engine: Engine) -> None:
    assert cats(engine, "加微信", platform="Tmall") == ["PLATFORM_DIVERSION"]


def test_a_megabyte_of_text_is_refused_fast_and_100k_is_checked(engine: Engine) -> None:
    with pytest.raises(InvalidCheckInput):
        engine.check_text("最好" * 500_000)
    result = engine.check_text("平平无奇的文案。" * 12_000 + "最好")
    assert [f.matched for f in result.findings] == ["最好"]


@pytest.mark.parametrize(
    ("yaml_text", "line", "field"),
    [
        (
            HEAD + "    category: NOPE\n    message: m\n    terms: [a]\n",
            7,
            "rules.0.category",
        ),
        (
            HEAD + "    category: VULGAR\n    message: m\n    patterns: ['(unclosed']\n",
            9,
            "rules.0.patterns",
        ),
        (
            HEAD + "    category: VULGAR\n    message: m\n    terms: [a]\n    colour: red\n",
            10,
            "rules.0.colour",
        ),
        ("pack: x\nversion: '1'\nkind: industry\ntitle: t\nrules: []\n", 1, ""),
        (
            HEAD + "    category: VULGAR\n    message: m\n",
            6,
            "rules.0",
        ),
        ("pack: [unclosed\n", 2, None),
    ],
)
def test_malformed_packs_name_file_line_and_field(
    tmp_path: Path, yaml_text: str, line: int, field: str | None
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(RulePackError) as err:
        load_pack(path)
    assert err.value.details["file"] == str(path)
    assert err.value.details["line"] == line
    assert str(err.value).startswith(f"{path}:{line}")
    if field:
        assert err.value.details["field"] == field


def test_brand_vi_and_platform_specs_through_the_checker(engine: Engine) -> None:
    brand = parse(
        BrandVI,
        "brand: acme\nversion: '3'\nforbidden_words:\n  - {term: 便宜, suggestion: 实惠}\n"
        "required_disclaimers: [图片仅供参考]\nrequired_words: [ACME]\n",
        "vi.yaml",
    )
    checker = Checker(engine)
    result = checker.check_copy("便宜又好用", title="新品", brand=brand)
    codes = sorted(f.category for f in result.findings)
    assert codes == ["BRAND_DISCLAIMER_MISSING", "BRAND_FORBIDDEN_WORD", "BRAND_REQUIRED_WORD_MISSING"]
    assert result.verdict == "block" and result.rewrite == "实惠又好用"
    ok = checker.check_copy("ACME 实惠又好用。图片仅供参考", brand=brand)
    assert ok.verdict == "pass"
    title = checker.check_copy("正文", title="最好的新品")
    assert [(f.category, f.source) for f in title.findings] == [("ABSOLUTE_TERMS", Source.TITLE)]


def test_platform_spec_findings() -> None:
    pack = parse(
        Pack,
        "pack: p\nversion: '1'\nkind: platform\nplatforms: [douyin]\ntitle: t\nspecs:\n  title_max_chars: 5\n"
        "  aspect_ratios: ['9:16']\n  max_duration_s: 60\n  max_file_mb: 1\n  hashtags_max: 1\n",
        "p.yaml",
    )
    checker = Checker(Engine([pack]))
    media = MediaFacts(width=1920, height=1080, duration_s=75, size_bytes=3 * 2**20)
    result = checker.check_copy("正文 #a #b", title="这是一个很长的标题", platform="douyin", media=media)
    assert sorted(f.category for f in result.findings) == [
        "SPEC_ASPECT_RATIO",
        "SPEC_DURATION_TOO_LONG",
        "SPEC_FILE_TOO_LARGE",
        "SPEC_TITLE_TOO_LONG",
        "SPEC_TOO_MANY_HASHTAGS",
    ]
    fine = checker.check_copy(
        "正文", title="短标题", platform="douyin", media=MediaFacts(1080, 1920, 30, 2**19)
    )
    assert fine.verdict == "pass"
    assert checker.check_copy("正文", title="这是一个很长的标题", platform="weibo").verdict == "pass"


def test_fast_normalisation_path_agrees_with_the_per_character_path(monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    import compliance_rules.normalize as normalize_module

    pool = "最好國家級加微信V❤vxABCabc 12３４*-·🔥。，！\n女装治疗價格İſﬁ"
    rng = random.Random(5)
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(1, 40))) for _ in range(300)]
    fast = [normalize(t) for t in texts]
    monkeypatch.setattr(normalize_module.unicodedata, "is_normalized", lambda form, text: False)
    slow = [normalize(t) for t in texts]
    assert fast == slow


def test_callers_may_name_industries_and_platforms_the_common_way(engine: Engine) -> None:
    named = (("baby", "offline"), ("home", "xhs"), ("fitness", "shipinhao"), ("drug", "tmall"))
    for industry, platform in named:
        assert engine.check_text("一款好物", industry=industry, platform=platform).verdict == "pass"
    assert engine.check_text("一款好物", industry="tobacco").verdict == "pass"


@pytest.mark.parametrize(
    ("pattern", "first"),
    [
        ("最(?!近)[\u4e00-\u9fff]", "最"),
        ("(a|b)?c", "abc"),
        ("(?<=够[硬粗][!~,])够[粗长]", "够"),
        ("(好|坏)?(吃|喝)+|z", "z吃喝坏好"),
    ],
)
def test_patterns_are_guarded_by_the_characters_a_match_can_start_with(pattern: str, first: str) -> None:
    from compliance_rules.compiled import guarded

    assert guarded(pattern) == f"(?=[{''.join(sorted(first))}])(?:{pattern})"


@pytest.mark.parametrize("pattern", [r"\d+元", "x*", "(?i)abc", "[^a]b", "(?P<x>a)?(?P=x)b", ".b", "(a|)b?"])
def test_patterns_whose_first_characters_are_unknown_stay_as_written(pattern: str) -> None:
    from compliance_rules.compiled import guarded

    assert guarded(pattern) == pattern


def test_guarded_builtin_patterns_match_exactly_what_the_plain_ones_match() -> None:
    import re

    from compliance_rules.compiled import _UNSAFE_TO_COMBINE
    from compliance_rules.loader import builtin_pack_paths, load_packs

    texts = [
        normalize(t).text
        for t in (
            "全网最低价，第一品牌，够硬!够粗!还有某果手机跟座机差不多",
            "加vx领券，隔壁老王家的烧饼用隔夜油，小朋友跟妈妈说快买",
            "本品不能代替药物。历史年化收益率3%，不代表未来表现。读《最好的告别》",
        )
    ]
    built = Engine(load_packs(builtin_pack_paths()))
    for rule in built.rules:
        sources = rule.rule.patterns
        if not sources:
            continue
        if len(sources) > 1 and not any(_UNSAFE_TO_COMBINE.search(p) for p in sources):
            plain = [re.compile("|".join(f"(?:{p})" for p in sources))]
        else:
            plain = [re.compile(p) for p in sources]
        for compiled, reference in zip(rule.patterns, plain, strict=True):
            for text in texts:
                got = [m.span() for m in compiled.finditer(text)]
                assert got == [m.span() for m in reference.finditer(text)], rule.key


def test_book_title_marks_survive_normalisation() -> None:
    assert normalize("读《最好的告别》").text == "读《最好的告别》"


SHARED = """
pack: shared_test
version: "1"
kind: law
title: t
exceptions:
  - preceded_by: "(不|没有)"
    window: 3
    categories: [GUARANTEES, FALSE_ENDORSEMENT]
    note: negated practice
  - sentence: "辟谣"
    note: every rule
rules:
  - id: G
    category: GUARANTEES
    message: guarantee
    terms: [包过]
  - id: F
    category: FALSE_ENDORSEMENT
    message: endorsement
    terms: [明星代言]
  - id: A
    category: ABSOLUTE_TERMS
    message: absolute
    terms: [最好]
"""


def test_pack_level_exceptions_apply_to_the_rules_of_their_categories() -> None:
    engine = Engine([parse(Pack, SHARED, "shared.yaml")])

    def categories(text: str) -> set[str]:
        return {f.category for f in engine.check_text(text).findings}

    assert categories("包过，明星代言，最好") == {"GUARANTEES", "FALSE_ENDORSEMENT", "ABSOLUTE_TERMS"}
    assert categories("我们不包过，也没有明星代言") == set()
    assert categories("不最好") == {"ABSOLUTE_TERMS"}  # the negation exception does not cover this category
    assert categories("辟谣：包过和最好都是假的") == set()  # no categories: every rule of the pack


def test_pack_level_exceptions_reject_unknown_categories() -> None:
    bad = SHARED.replace("[GUARANTEES, FALSE_ENDORSEMENT]", "[NOT_A_CATEGORY]")
    with pytest.raises(RulePackError):
        parse(Pack, bad, "bad.yaml")


WHOLE_TEXT = """
pack: whole_text_test
version: "1"
kind: law
title: t
rules:
  - id: STA-1
    category: STATE_SYMBOLS
    message: flag
    law_ref: 《广告法》第九条第（一）项
    terms: [国旗]
    exceptions:
      - text: "^新闻(?![\\\\s\\\\S]*下单)"
        note: a news heading frames the whole text
"""


def test_a_whole_text_exception_sees_a_heading_in_another_sentence(tmp_path: Path) -> None:
    path = tmp_path / "whole.yaml"
    path.write_text(WHOLE_TEXT, encoding="utf-8")
    engine = Engine([load_pack(path)])
    assert engine.check_text("新闻｜今晨举行升旗仪式。护卫队护卫着国旗走出天安门").verdict == "pass"
    assert engine.check_text("新闻｜国旗图案卫衣。点击下单").verdict == "block"  # it sells: no excuse
    assert engine.check_text("今晨举行升旗仪式。护卫队护卫着国旗").verdict == "block"  # no heading


def test_an_exception_with_no_condition_names_the_choices(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(WHOLE_TEXT.replace('text: "^新闻(?![\\\\s\\\\S]*下单)"', "window: 3"), encoding="utf-8")
    with pytest.raises(RulePackError, match="text"):
        load_pack(path)


def test_sells_nothing_holds_only_without_a_selling_cue_anywhere(tmp_path: Path) -> None:
    """``sells_nothing`` adds the shared selling-cue test (framing.SELLING_CUE) to a whole-text exception."""
    path = tmp_path / "sells.yaml"
    path.write_text(
        WHOLE_TEXT.replace(
            'text: "^新闻(?![\\\\s\\\\S]*下单)"', 'text: "^新闻"\n        sells_nothing: true'
        ),
        encoding="utf-8",
    )
    engine = Engine([load_pack(path)])
    assert engine.check_text("新闻｜今晨举行升旗仪式。护卫队护卫着国旗走出天安门").verdict == "pass"
    for selling in ("新闻｜国旗图案卫衣，限时包邮", "新闻｜国旗摆件。本店现货", "新闻｜国旗徽章，扫码领取"):
        assert engine.check_text(selling).verdict == "block", selling
    assert engine.check_text("今晨升旗仪式。国旗").verdict == "block"  # no heading


def test_sells_nothing_needs_a_whole_text_regex(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        WHOLE_TEXT.replace('text: "^新闻(?![\\\\s\\\\S]*下单)"', "window: 3\n        sells_nothing: true"),
        encoding="utf-8",
    )
    with pytest.raises(RulePackError, match="sells_nothing"):
        load_pack(path)
