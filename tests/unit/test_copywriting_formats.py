"""Platform shapes: limits from the platform specs, JSON Schema, enforcement by trimming or rejecting."""

from __future__ import annotations

from typing import Any

import pytest

from compliance_rules.engine import Engine
from compliance_rules.schema import PlatformSpec
from serving.generation.copywriting.formats import (
    CopyFormat,
    FormatViolation,
    format_for,
    schema_violations,
    trim_to,
)
from serving.generation.copywriting.parse import ParseFailure, parse_answer

SPECS = Engine.builtin().specs
PLATFORMS = ("xiaohongshu", "douyin", "kuaishou", "bilibili", "wechat", "taobao", "weibo", "offline_screen")


def fmt(platform: str, length: str = "medium") -> CopyFormat:
    return format_for(platform, length, SPECS)  # type: ignore[arg-type]


def test_limits_come_from_the_platform_specs() -> None:
    assert SPECS["xiaohongshu"].title_max_chars == 20
    assert fmt("xiaohongshu").field("title").max_chars == 20
    assert fmt("taobao").field("title").max_chars == SPECS["taobao"].title_max_chars == 30
    assert fmt("wechat").field("headline").max_chars == SPECS["wechat"].title_max_chars
    custom = format_for(
        "xiaohongshu", "long", {"xiaohongshu": PlatformSpec(title_max_chars=12, body_max_chars=90)}
    )
    assert custom.field("title").max_chars == 12
    assert custom.field("body").max_chars == 90


@pytest.mark.parametrize(
    ("platform", "shape", "names"),
    [
        ("xiaohongshu", "note", ["title", "body", "hashtags"]),
        ("douyin", "video_script", ["hook", "lines", "cta"]),
        ("wechat", "article", ["headline", "summary"]),
        ("taobao", "listing", ["title", "selling_points"]),
        ("weibo", "post", ["text", "hashtags"]),
        ("offline_screen", "slogan", ["slogan", "subline"]),
    ],
)
def test_each_platform_has_its_native_shape(platform: str, shape: str, names: list[str]) -> None:
    f = fmt(platform)
    assert f.shape == shape
    assert [x.name for x in f.fields] == names
    schema = f.json_schema()
    assert schema["required"] == names and schema["additionalProperties"] is False


@pytest.mark.parametrize("platform", PLATFORMS)
def test_limits_never_exceed_the_spec(platform: str) -> None:
    for length in ("short", "medium", "long"):
        f = fmt(platform, length)
        spec = SPECS.get(platform) or PlatformSpec()
        if f.title_field and spec.title_max_chars:
            assert f.field(f.title_field).max_chars <= spec.title_max_chars
        if spec.hashtags_max is not None:
            tags = [x for x in f.fields if x.hashtag]
            assert all(x.items is not None and x.items[1] <= spec.hashtags_max for x in tags)


def test_body_budget_follows_the_brief_length() -> None:
    bodies = [fmt("xiaohongshu", n).field("body").max_chars for n in ("short", "medium", "long")]
    assert bodies == sorted(bodies) and len(set(bodies)) == 3


def test_schema_carries_the_limits() -> None:
    props = fmt("xiaohongshu").json_schema()["properties"]
    assert props["title"] == {"type": "string", "minLength": 4, "maxLength": 20}
    assert props["hashtags"]["type"] == "array" and props["hashtags"]["maxItems"] == 4


def test_pydantic_model_enforces_the_same_limits() -> None:
    model = fmt("taobao").model
    model.model_validate(
        {"title": "山茶集保湿面霜敏感肌可用", "selling_points": ["长效保湿", "敏感肌可用", "清爽不油腻"]}
    )
    with pytest.raises(ValueError):
        model.model_validate(
            {"title": "太长" * 16, "selling_points": ["长效保湿", "敏感肌可用", "清爽不油腻"]}
        )
    with pytest.raises(ValueError):
        model.model_validate({"title": "山茶集保湿面霜", "selling_points": ["长效保湿"]})


def test_trim_cuts_at_a_clause_boundary() -> None:
    assert trim_to("短句", 10) == "短句"
    assert trim_to("春天来了，山茶花开了，面霜也该换了吧朋友们", 12) == "春天来了，山茶花开了"
    assert trim_to("第一句话说完了。第二句还在继续说下去呢", 12) == "第一句话说完了。"
    assert trim_to("一口气说完的没有任何标点的长长长句子", 10) is None
    assert trim_to("短，后面是一大段没有停顿的很长很长的文字", 12) is None
    assert trim_to("换季干燥怎么办？山茶花面霜来救急啦各位姐妹们", 20) == "换季干燥怎么办？"
    assert trim_to("怎么办？山茶花面霜来救急啦各位姐妹们", 12) is None


def test_enforce_trims_cleans_and_reports() -> None:
    fields, trims = fmt("xiaohongshu").enforce(
        {
            "title": "“换季干燥？山茶花面霜救急，敏感肌也能放心用”",
            "body": "  换季皮肤干到起皮，" + "水润" * 20 + "。 ",
            "hashtags": ["#护肤", "护肤", " 面霜 ", "", "换季护肤", "敏感肌", "保湿", "山茶花"],
        }
    )
    assert fields["title"] == "换季干燥？山茶花面霜救急"
    assert fields["body"] == "换季皮肤干到起皮，" + "水润" * 20 + "。"
    assert fields["hashtags"] == ["护肤", "面霜", "换季护肤", "敏感肌"]
    assert trims == ["title", "hashtags"]


def test_hashtags_may_come_as_one_string() -> None:
    fields, _ = fmt("weibo").enforce(
        {"text": "今天也要好好护肤呀，山茶花面霜真的很温柔。", "hashtags": "#护肤 #面霜"}
    )
    assert fields["hashtags"] == ["护肤", "面霜"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (
            {
                "title": "一口气说完的没有任何标点的超级无敌长长长标题啊啊啊",
                "body": "好" * 30,
                "hashtags": ["a", "b"],
            },
            "title",
        ),
        ({"title": "标题不错哦", "body": "太短了", "hashtags": ["a", "b"]}, "body"),
        ({"title": "标题不错哦", "body": "好" * 30, "hashtags": ["只有一个"]}, "hashtags"),
        ({"body": "好" * 30, "hashtags": ["a", "b"]}, "title"),
    ],
)
def test_enforce_rejects_what_cannot_be_fixed(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(FormatViolation) as caught:
        fmt("xiaohongshu").enforce(raw)
    assert caught.value.field == field


def test_flatten_and_body_for_the_checker() -> None:
    f = fmt("xiaohongshu")
    fields: dict[str, str | list[str]] = {"title": "标题", "body": "正文", "hashtags": ["护肤", "面霜"]}
    assert f.title(fields) == "标题"
    assert f.body(fields) == "正文\n#护肤 #面霜"
    assert f.flatten(fields) == "标题\n正文\n#护肤 #面霜"
    script = fmt("douyin")
    lines: dict[str, str | list[str]] = {"hook": "你敢信？", "lines": ["第一句", "第二句"], "cta": "快来试试"}
    assert script.body(lines) == "第一句\n第二句\n快来试试"
    assert script.flatten(lines).startswith("你敢信？\n")


def test_schema_violations() -> None:
    schema = fmt("taobao").json_schema()
    assert (
        schema_violations(
            {"title": "山茶集保湿面霜敏感肌可用", "selling_points": ["长效保湿", "敏感肌可用", "清爽不油腻"]},
            schema,
        )
        == []
    )
    problems = schema_violations({"title": "长" * 31, "selling_points": ["长效保湿"], "extra": "x"}, schema)
    assert len(problems) == 3


@pytest.mark.parametrize(
    "answer",
    [
        '{"title": "春日面霜", "body": "正文", "hashtags": ["护肤"]}',
        '好的：\n```json\n{"title": "春日面霜", "body": "正文", "hashtags": ["护肤"],}\n```\n希望喜欢',
        '{"标题": "春日面霜", "正文": "正文", "话题": ["护肤"]}',
        '{"title": "春日面霜", "body": "正文", "hashtags": ["护肤"',
        '{"title": "春日面霜", "body": "正文',
    ],
)
def test_parse_repairs_common_slips(answer: str) -> None:
    parsed = parse_answer(answer, fmt("xiaohongshu"))
    assert parsed["title"] == "春日面霜"


@pytest.mark.parametrize("answer", ["", "我不能写这个", "[1, 2]", "{not json at all"])
def test_parse_failure(answer: str) -> None:
    with pytest.raises(ParseFailure):
        parse_answer(answer, fmt("xiaohongshu"))


def test_parse_drops_unknown_keys() -> None:
    parsed = parse_answer('{"title": "a", "note": "b", "Body": "c"}', fmt("xiaohongshu"))
    assert parsed == {"title": "a", "body": "c"}


def test_a_body_stopped_at_the_limit_mid_sentence_is_cut_back() -> None:
    f = fmt("xiaohongshu", "short")
    limit = f.field("body").max_chars
    cut_off = ("水润舒服的一天。" * 20)[: limit - 6] + "今天我们为你量"
    cut_off = cut_off[:limit]
    fields, trims = f.enforce({"title": "好用的面霜", "body": cut_off, "hashtags": ["护肤", "面霜"]})
    assert str(fields["body"]).endswith("。") and "今天我们为你量" not in fields["body"]
    assert trims == ["body"]
    whole = "好" * (limit - 1) + "。"
    assert f.enforce({"title": "好用的面霜", "body": whole, "hashtags": ["护肤", "面霜"]})[0]["body"] == whole


def test_list_items_stopped_at_the_limit_are_cut_back_or_kept() -> None:
    f = fmt("taobao")
    points = [
        "提供48小时保湿面霜，让你肌肤更加柔软和",
        "敏感肌可用的温和面霜配方天然植物精华成分",
        "清爽不油腻",
    ]
    fields, _ = f.enforce({"title": "山茶集山茶花保湿面霜敏感肌可用", "selling_points": points})
    assert fields["selling_points"] == [
        "提供48小时保湿面霜",
        "敏感肌可用的温和面霜配方天然植物精华成分",
        "清爽不油腻",
    ]
