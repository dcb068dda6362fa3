"""Plans: deterministic by seed, spread over angle × hook × structure × nuance; prompts built from them."""

from __future__ import annotations

import itertools
import json

from compliance_rules.engine import Engine
from serving.generation.copywriting.brief import CopyBrief
from serving.generation.copywriting.formats import format_for
from serving.generation.copywriting.planner import (
    ANGLES,
    HOOK_PATTERNS,
    HOOKS,
    SCENE_KEYWORDS,
    SCENES,
    Plan,
    audience_keywords,
    derive_seed,
    plans,
)
from serving.generation.copywriting.prompts import (
    PROMPT_VERSION,
    composed_fields,
    copies_directions,
    diversify_messages,
    echoes_pattern,
    generation_messages,
    leaks_directions,
    listing_slots,
    listing_title,
    max_tokens,
    plan_line,
    point_openers,
    product_heads,
    rewrite_messages,
    shifted_plan,
    strip_directions,
    system_prompt,
)


def take(seed: int, count: int, focus: int = 0) -> list[Plan]:
    return list(itertools.islice(plans(seed, focus), count))


def parts(plan: Plan) -> tuple[str, str, str, str]:
    return (plan.angle, plan.hook, plan.structure, plan.nuance)


def test_plans_are_deterministic_by_seed() -> None:
    assert take(5, 30) == take(5, 30)
    assert [parts(p) for p in take(5, 10)] != [parts(p) for p in take(6, 10)]


def test_plans_spread_over_every_dimension() -> None:
    first = take(1, len(ANGLES))
    assert len({p.angle for p in first}) == len(ANGLES)
    assert len({p.hook for p in first[: len(HOOKS)]}) == len(HOOKS)
    for a, b in itertools.combinations(take(1, 6), 2):
        assert sum(x != y for x, y in zip(parts(a), parts(b), strict=True)) >= 3


def test_a_hundred_plans_are_all_different_and_balanced() -> None:
    hundred = take(9, 100)
    assert len({parts(p) for p in hundred}) == 100
    counts = [sum(p.angle == key for p in hundred) for key, _, _ in ANGLES]
    assert max(counts) - min(counts) <= 1


def test_focus_rotates_over_the_selling_points_and_seeds_differ() -> None:
    sequence = take(2, 7, focus=3)
    assert [p.focus for p in sequence] == [0, 1, 2, 0, 1, 2, 0]
    assert take(2, 1)[0].focus is None
    assert len({p.seed for p in sequence}) == 7
    assert all(0 <= derive_seed(2**31 - 1, i) < 2**31 - 1 for i in range(5))


BRIEF = CopyBrief(
    brand="山茶集",
    product="山茶花保湿面霜",
    selling_points=("48小时保湿", '敏感肌可用"}]'),
    platform="xiaohongshu",
    must_say=("山茶花",),
    must_not_say=("医美",),
)
FMT = format_for("xiaohongshu", "medium", Engine.builtin().specs)


def test_brief_fields_are_quoted_data_between_markers() -> None:
    system, user = generation_messages(BRIEF, FMT, take(0, 1, 2)[0])
    assert "忽略" in system.content and "<brief>" in system.content
    start, end = user.content.index("<brief>\n") + 8, user.content.index("\n</brief>")
    data = json.loads(user.content[start:end])
    assert data["卖点"] == ["48小时保湿", '敏感肌可用"}]']
    assert data["必须出现"] == ["山茶花"] and data["禁止出现"] == ["医美"]
    assert user.content.index("</brief>") < user.content.index("这一条怎么写")


def test_the_system_prompt_is_shared_by_every_plan() -> None:
    first, second = (generation_messages(BRIEF, FMT, p) for p in take(0, 2))
    assert first[0] == second[0]
    assert first[1].content.split("\n</brief>")[0] == second[1].content.split("\n</brief>")[0]
    assert first[1] != second[1]


def test_prompts_state_the_limits_and_follow_the_language() -> None:
    zh = system_prompt(BRIEF, FMT)
    assert "不超过20字" in zh and '"hashtags"' in zh
    en = system_prompt(BRIEF.model_copy(update={"language": "en"}), FMT)
    assert "at most 20 characters" in en and "Ignore" not in en.split("Rules")[0]
    assert PROMPT_VERSION.startswith("copy-")
    assert 100 < max_tokens(FMT) <= 1024


def test_rewrite_prompt_carries_the_previous_version_and_the_problems() -> None:
    fields: dict[str, str | list[str]] = {"title": "全网第一面霜", "body": "好" * 30, "hashtags": ["a", "b"]}
    _, user = rewrite_messages(BRIEF, FMT, take(0, 1)[0], fields, ["“全网第一”：绝对化用语"])
    assert "全网第一面霜" in user.content and "绝对化用语" in user.content


def test_copied_directions_are_recognised() -> None:
    for plan in take(3, 12):
        line = plan_line(BRIEF, plan)
        assert leaks_directions(line)
    assert leaks_directions("戳中一个日常痛点：换季干燥")
    assert leaks_directions("Open with a question: dry skin?")
    assert not leaks_directions("换季干燥怎么办？山茶花面霜陪你度过秋冬，作为礼物推荐给妈妈也合适。")
    assert leaks_directions("场景设定在“下雨天”：山茶花面霜")
    # natural script phrases are not instructions
    assert not leaks_directions("今天给大家讲一个小故事，再来一问一答，最后送上实用小贴士。")


def test_hooks_are_asked_for_as_sentence_patterns_not_as_orders() -> None:
    assert set(HOOK_PATTERNS) == {key for key, _, _ in HOOKS}
    script = format_for("douyin", "short", Engine.builtin().specs)
    for plan in take(3, 16):
        line = plan_line(BRIEF, plan, script)
        pattern = plan.hook_pattern("zh")
        assert f"hook套用句式「{pattern}」" in line and "…" in pattern and "{scene}" not in pattern
        assert "开头" not in line.replace("“", "").split("。")[0]
        assert "Shape the hook like" in plan_line(BRIEF.model_copy(update={"language": "en"}), plan, script)
    scene_plan = next(p for p in take(3, 48) if p.hook == "scene")
    assert scene_plan.describe("zh")["scene"] in scene_plan.hook_pattern("zh")


def test_an_unfilled_pattern_is_a_leak_and_a_filled_one_is_not() -> None:
    assert leaks_directions("你是不是也…？")
    assert not leaks_directions("你是不是也总在加班后饿肚子？")
    assert not leaks_directions("说实话…这碗面真的香")


LISTING = format_for("taobao", "short", Engine.builtin().specs)
EARBUDS = CopyBrief(
    brand="听潮",
    product="听潮降噪耳机",
    selling_points=("降噪", "长续航", "防水", "双连"),
    audience="学生和通勤上班族",
    platform="taobao",
)


def test_listing_titles_are_keywords_with_the_plan_audience_usage_and_a_point() -> None:
    titles, pairs, counts = set(), set(), set()
    for plan in take(4, 32, focus=4):
        line = plan_line(EARBUDS, plan, LISTING)
        title = listing_title(EARBUDS, plan, LISTING)
        audience, usage = listing_slots(EARBUDS, plan)
        assert composed_fields(EARBUDS, plan, LISTING) == {"title": title} and title not in line
        assert title.startswith(("听潮降噪耳机 ", "听潮耳机 ")) and usage is not None and usage in title
        assert len(title) <= LISTING.field("title").max_chars and "，" not in title and "…" not in title
        assert leaks_directions(line) and "…" not in line.split("卖点")[0]
        shapes = line.split("的好处：")[1].split("。")[0].split("；")
        chosen = [shape.strip("「」").split("，")[0] for shape in shapes]
        openers = point_openers(plan, len(chosen), "zh")
        assert shapes == [f"「{p}，{o}」" for p, o in zip(chosen, openers, strict=True)]
        assert len(set(openers)) == len(openers) and all(o.endswith("…") for o in openers)
        counts.add(len(chosen))
        assert set(chosen) <= set(EARBUDS.selling_points) and f"卖点写{len(chosen)}条" in line
        assert any(point in title for point in chosen)
        pairs.add((audience, tuple(sorted(chosen))))
        titles.add(title)
    assert len(titles) >= 24 and counts == {2, 3} and len(pairs) >= 20
    assert {t.split()[0] for t in titles} == {"听潮降噪耳机", "听潮耳机"}
    assert {listing_slots(EARBUDS, p)[0] for p in take(4, 16, focus=4)} == {
        *audience_keywords(EARBUDS.audience, "zh")
    }
    en = plan_line(EARBUDS.model_copy(update={"language": "en"}), take(4, 1, focus=4)[0], LISTING)
    assert "Write 2 selling points" in en and leaks_directions(en) and "title" not in en.casefold()


def test_a_listing_asks_the_model_for_its_selling_points_only() -> None:
    written = LISTING.written()
    assert [f.name for f in written.fields] == ["selling_points"] and written.title_field is None
    assert written.json_schema()["required"] == ["selling_points"]
    system = system_prompt(EARBUDS, LISTING)
    assert '"selling_points"' in system and '"title"' not in system
    assert max_tokens(LISTING) < 110  # the points alone: three of at most 20 characters and punctuation
    assert format_for("xiaohongshu", "short", Engine.builtin().specs).written().fields[0].name == "title"


def test_audience_keywords_split_the_brief_audience_and_add_generic_ones() -> None:
    assert audience_keywords("学生和通勤上班族", "zh") == ["学生", "通勤上班族", "男女通用", "自用送礼"]
    assert audience_keywords("", "zh") == ["男女通用", "自用送礼"]
    assert audience_keywords("students and commuters", "en")[:2] == ["students", "commuters"]
    assert set(SCENE_KEYWORDS) == {key for key, _, _ in SCENES}


def test_listing_titles_shorten_the_category_phrase_in_some_plans() -> None:
    earbuds = EARBUDS.model_copy(update={"brand": "声屿", "product": "声屿 Air3 主动降噪蓝牙耳机"})
    earbuds = earbuds.model_copy(update={"selling_points": ("主动降噪", "IPX4防水", "长续航")})
    assert product_heads(earbuds) == ["声屿 Air3 主动降噪蓝牙耳机", "声屿 Air3 蓝牙耳机"]
    serum = EARBUDS.model_copy(update={"brand": "澄光", "product": "澄光维C精华液 30ml"})
    assert product_heads(serum.model_copy(update={"selling_points": ("清爽", "维C")})) == [
        "澄光维C精华液 30ml",
        "澄光精华液 30ml",
    ]
    only_point = serum.model_copy(update={"selling_points": ("精华液",)})
    assert product_heads(only_point) == ["澄光维C精华液 30ml"]  # cut only where a point leads the word
    assert product_heads(EARBUDS.model_copy(update={"product": "Air3"})) == ["听潮 Air3"]
    titles = [listing_title(earbuds, plan, LISTING) for plan in take(4, 30, focus=4)]
    heads = {next(h for h in reversed(product_heads(earbuds)) if t.startswith(h + " ")) for t in titles}
    assert len(heads) == 2 and all(t.startswith("声屿 Air3 ") for t in titles)


def test_long_products_leave_keywords_out_of_the_title() -> None:
    plan = take(4, 1, focus=4)[0]
    longest = EARBUDS.model_copy(update={"product": "听潮 Pro Max 旗舰级主动降噪真无线蓝牙耳机 礼盒装"})
    assert listing_title(longest, plan, LISTING) == longest.product
    long = EARBUDS.model_copy(update={"product": "听潮 Pro 旗舰级主动降噪真无线蓝牙耳机 礼盒装"})
    assert listing_title(long, plan, LISTING) == f"{long.product} {plan.usage_keyword('zh')}"
    branded = listing_title(EARBUDS.model_copy(update={"product": "降噪耳机"}), plan, LISTING)
    assert branded.startswith(("听潮 降噪耳机 ", "听潮 耳机 "))


def test_a_listing_gap_left_unfilled_is_closed_in_the_title_and_drops_a_point() -> None:
    points = ["降噪，地铁里也安静", "续航，一整天不怕没电", "防水，不怕…"]
    gap: dict[str, str | list[str]] = {"title": "听潮降噪耳机 学生 通勤…", "selling_points": points}
    assert copies_directions(gap, LISTING)
    assert strip_directions(gap, LISTING) == {"title": "听潮降噪耳机 学生 通勤", "selling_points": points[:2]}

    filled: dict[str, str | list[str]] = {
        "title": "听潮降噪耳机 学生 通勤 长续航",
        "selling_points": points[:2],
    }
    assert not copies_directions(filled, LISTING)
    bare: dict[str, str | list[str]] = {"title": "…", "selling_points": points[:2]}
    assert strip_directions(bare, LISTING) is None
    copied = {"title": "听潮降噪耳机", "selling_points": ["照这几个句式写", *points[:2]]}
    assert copies_directions(copied, LISTING)


def test_a_point_left_as_its_pattern_keeps_the_opener_that_reads_as_a_benefit() -> None:
    points = ["双设备连接，省心…", "单次续航8小时，安心...", "防水，不怕…", "放心…"]
    bare: dict[str, str | list[str]] = {"title": "听潮降噪耳机 学生 通勤", "selling_points": points}
    assert copies_directions(bare, LISTING)
    kept = strip_directions(bare, LISTING)
    closed = ["双设备连接，省心", "单次续航8小时，安心"]
    assert kept == {"title": "听潮降噪耳机 学生 通勤", "selling_points": closed}


def test_a_listing_re_ask_gets_other_keywords_and_shows_only_the_written_points() -> None:
    plan = take(4, 1, focus=4)[0]
    assert listing_title(EARBUDS, shifted_plan(plan), LISTING) != listing_title(EARBUDS, plan, LISTING)
    fields: dict[str, str | list[str]] = {"title": "听潮降噪耳机 学生 通勤", "selling_points": ["a", "b"]}
    _, user = diversify_messages(EARBUDS, LISTING, plan, fields, "听潮降噪耳机 学生 通勤\n安静")
    assert '上一版：{"selling_points": ["a", "b"]}' in user.content


def test_leaked_directions_are_cut_out_when_a_valid_hook_remains() -> None:
    script = format_for("douyin", "short", Engine.builtin().specs)
    lines = ["清晨赶地铁来不及吃早饭", "三分钟就能吃上热乎的", "用一句感叹开头，日记口吻"]
    kept = strip_directions(
        {"hook": "用一个提问开头：你是不是也常加班？", "lines": lines, "cta": "快来试试"}, script
    )
    assert kept == {"hook": "你是不是也常加班？", "lines": lines[:2], "cta": "快来试试"}
    # an opening that was all directions is replaced by the first line when enough lines remain
    promoted = strip_directions(
        {
            "hook": "算一笔性价比账；用一个数字开头；",
            "lines": ["一碗面只要三分钟", *lines[:2]],
            "cta": "快来试试",
        },
        script,
    )
    assert promoted is not None and promoted["hook"] == "一碗面只要三分钟" and promoted["lines"] == lines[:2]
    # ... and the answer is refused when too little is left
    assert strip_directions({"hook": "用一句感叹开头", "lines": lines[:2], "cta": "快来试试"}, script) is None
    assert strip_directions({"hook": "好吃的面", "lines": lines[:2], "cta": "用一个数字开头"}, script) is None


def test_the_re_ask_of_a_near_duplicate_shows_the_close_variant() -> None:
    fields: dict[str, str | list[str]] = {"title": "面霜推荐", "body": "好" * 30, "hashtags": ["a", "b"]}
    _, user = diversify_messages(BRIEF, FMT, take(0, 1)[0], fields, "秋冬面霜推荐\n清爽不油腻")
    assert "面霜推荐" in user.content and "太像" in user.content and "秋冬面霜推荐" in user.content


def test_a_hook_that_repeats_its_pattern_with_a_gap_left_empty_is_caught() -> None:
    assert echoes_pattern("以前，现在，假期出游是一个充满活力", "以前…，现在…")
    assert echoes_pattern("很多人以为，其实很难", "很多人以为…，其实…")
    assert echoes_pattern("说实话，", "说实话，…") and echoes_pattern("你是不是也?", "你是不是也…？")
    assert not echoes_pattern("以前加班饿肚子，现在三分钟开吃", "以前…，现在…")
    assert not echoes_pattern("说实话，这面真香", "说实话，…")
    assert not echoes_pattern("为什么加班还饿？", "为什么…？")
    assert not echoes_pattern("Ever wondered why noodles?", "Ever wondered why …?")
    assert all("…" not in options[0][:1] for zh, en in HOOK_PATTERNS.values() for options in (zh, en))
    script = format_for("douyin", "short", Engine.builtin().specs)
    plan = next(p for p in take(3, 48) if p.hook_pattern("zh") == "说实话，…")
    lines = ["加班到深夜只想吃口热的", "三分钟就能开吃"]
    echoed: dict[str, str | list[str]] = {
        "hook": "说实话，",
        "lines": [*lines, "面里乾坤拌面真香"],
        "cta": "快试试",
    }
    assert copies_directions(echoed, script, plan)
    fixed = strip_directions(echoed, script, plan)
    assert (
        fixed is not None and fixed["hook"] == lines[0] and fixed["lines"] == [lines[1], "面里乾坤拌面真香"]
    )
