"""Plans: deterministic by seed, spread over angle × hook × structure × nuance; prompts built from them."""

from __future__ import annotations

import itertools
import json

from compliance_rules.engine import Engine
from serving.generation.copywriting.brief import CopyBrief
from serving.generation.copywriting.formats import format_for
from serving.generation.copywriting.planner import ANGLES, HOOKS, Plan, derive_seed, plans
from serving.generation.copywriting.prompts import (
    PROMPT_VERSION,
    generation_messages,
    leaks_directions,
    max_tokens,
    plan_line,
    rewrite_messages,
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
    assert user.content.index("</brief>") < user.content.index("这一条的写作提示")


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
