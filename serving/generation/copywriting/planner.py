"""Variant plans: angle × hook × structure × tone nuance (× which selling point leads), chosen
deterministically from the seed and spread so that consecutive plans differ in as many parts as possible."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

# (key, zh, en) — the key goes in lineage, the words go in the prompt.
ANGLES = (
    ("pain_point", "戳中一个日常痛点", "a daily pain point"),
    ("scenario", "描绘一个具体使用场景", "a concrete usage scene"),
    ("experience", "以亲身体验的口吻", "a first-person experience"),
    ("how_it_works", "讲清成分或原理", "how it works"),
    ("value", "算一笔性价比账", "value for money"),
    ("gift", "作为礼物推荐", "as a gift"),
    ("ritual", "营造仪式感和氛围", "ritual and mood"),
    ("before_after", "使用前后的变化", "before and after"),
    ("expert", "像内行一样给建议", "insider tips"),
    ("seasonal", "结合当下季节或节日", "the season or a festival"),
)
HOOKS = (
    ("question", "用一个提问开头", "open with a question"),
    ("number", "用一个数字开头", "open with a number"),
    ("contrast", "用反差或对比开头", "open with a contrast"),
    ("scene", "用一个画面开头", "open with a picture"),
    ("confession", "用一句坦白开头", "open with a confession"),
    ("exclaim", "用一句感叹开头", "open with an exclamation"),
    ("myth", "先说一个常见误区", "open with a common myth"),
    ("dialogue", "用一句对话开头", "open with a line of dialogue"),
)
STRUCTURES = (
    ("list", "分点列出", "a short list"),
    ("story", "讲一个小故事", "a little story"),
    ("problem_solution", "先问题后方案", "problem then solution"),
    ("qa", "一问一答", "question and answer"),
    ("diary", "日记口吻", "a diary entry"),
    ("tips", "实用小贴士", "practical tips"),
)
NUANCES = (
    ("warm", "温暖亲切", "warm"),
    ("playful", "俏皮有梗", "playful"),
    ("calm", "克制简洁", "calm and concise"),
    ("lively", "活泼有活力", "lively"),
    ("poetic", "有画面感的文艺", "poetic"),
    ("sincere", "真诚朴实", "sincere"),
)
_DIMENSIONS = (ANGLES, HOOKS, STRUCTURES, NUANCES)
SCENES = (
    ("commute", "通勤路上", "on the commute"),
    ("morning", "周末的早晨", "a weekend morning"),
    ("late_night", "加班的深夜", "a late night at work"),
    ("trip", "出差旅途中", "a business trip"),
    ("dorm", "宿舍里", "a dorm room"),
    ("afternoon", "办公室的午后", "an office afternoon"),
    ("workout", "运动之后", "after a workout"),
    ("date", "约会之前", "before a date"),
    ("rainy", "下雨天", "a rainy day"),
    ("season_change", "换季的时候", "when the season changes"),
    ("home", "宅家放松时", "relaxing at home"),
    ("holiday", "假期出游", "a holiday trip"),
    ("new_term", "开学季", "back to school"),
    ("exam", "考试周", "exam week"),
    ("tea_time", "下午茶时间", "tea time"),
    ("bedtime", "睡前", "before bed"),
    ("camping", "周末露营", "a weekend camping trip"),
    ("cafe", "咖啡馆里", "in a cafe"),
    ("subway", "地铁上", "on the subway"),
    ("kitchen", "厨房里", "in the kitchen"),
    ("friends", "和朋友聚会", "meeting friends"),
    ("gift_day", "节日送礼", "a gift for the holidays"),
    ("first_try", "第一次尝试", "trying it for the first time"),
    ("busy_monday", "忙碌的周一", "a busy Monday"),
)
"""Everyday scenes, one per plan, cycled in a seeded order: a concrete setting gives each variant its own
words (small models otherwise repeat the brief's phrases)."""


class Plan(BaseModel):
    """How one variant is written; ``seed`` is its sampling seed."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(ge=0, description="Position in the plan sequence of the brief.")
    angle: str
    hook: str
    structure: str
    nuance: str
    focus: int | None = Field(default=None, description="Index of the selling point to lead with.")
    scene: str | None = Field(default=None, description="Key of the everyday scene to set it in.")
    seed: int = Field(ge=0, le=2**31 - 1)

    def describe(self, language: str) -> dict[str, str]:
        """The plan in words for the prompt."""
        col = 1 if language == "zh" else 2
        keys = (self.angle, self.hook, self.structure, self.nuance)
        words = [
            next(opt[col] for opt in dim if opt[0] == key) for dim, key in zip(_DIMENSIONS, keys, strict=True)
        ]
        described = dict(zip(("angle", "hook", "structure", "nuance"), words, strict=True))
        if self.scene is not None:
            described["scene"] = next(opt[col] for opt in SCENES if opt[0] == self.scene)
        return described


def derive_seed(seed: int, index: int) -> int:
    """A per-request sampling seed (stable, spread out, within the 31-bit range backends accept)."""
    return (seed * 1_000_003 + index * 7_919 + 12_345) % (2**31 - 1)


def plans(seed: int, focus_count: int = 0) -> Iterator[Plan]:
    """An endless, deterministic sequence of plans; each maximises its smallest distance (number of
    differing parts) to the plans already given, then prefers the least-used parts; ties go to a seeded
    shuffle."""
    rng = random.Random(seed)
    combos = list(itertools.product(*(range(len(dim)) for dim in _DIMENSIONS)))
    rng.shuffle(combos)
    scenes = [key for key, _, _ in SCENES]
    rng.shuffle(scenes)
    grid = np.array(combos, dtype=np.int16)
    fresh = len(_DIMENSIONS) + 1
    nearest = np.full(len(combos), fresh, dtype=np.int32)
    usage = np.zeros((len(_DIMENSIONS), max(len(dim) for dim in _DIMENSIONS)), dtype=np.int32)
    columns = np.arange(len(_DIMENSIONS))
    for index in itertools.count():
        reuse = usage[columns, grid].sum(axis=1)
        best = int(np.lexsort((reuse, -nearest))[0])
        chosen = grid[best]
        usage[columns, chosen] += 1
        nearest = np.minimum(nearest, (grid != chosen).sum(axis=1))
        nearest[best] = -1
        if (nearest < 0).all():
            nearest[:] = fresh
        yield Plan(
            index=index,
            angle=ANGLES[chosen[0]][0],
            hook=HOOKS[chosen[1]][0],
            structure=STRUCTURES[chosen[2]][0],
            nuance=NUANCES[chosen[3]][0],
            focus=index % focus_count if focus_count else None,
            scene=scenes[index % len(scenes)],
            seed=derive_seed(seed, index),
        )
