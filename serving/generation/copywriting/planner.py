"""Variant plans: angle × hook × structure × tone nuance (× which selling point leads), chosen
deterministically from the seed and spread so that consecutive plans differ in as many parts as possible."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

# (key, zh, en) — the key goes in lineage, the words go in the prompt.
ANGLES = (
    ("pain_point", "一个日常小烦恼", "a daily pain point"),
    ("scenario", "一个具体的使用场景", "a concrete usage scene"),
    ("experience", "自己用过的真实感受", "a first-person experience"),
    ("how_it_works", "成分或原理", "how it works"),
    ("value", "花得值不值", "value for money"),
    ("gift", "买来送人", "as a gift"),
    ("ritual", "仪式感和氛围", "ritual and mood"),
    ("before_after", "用之前和用之后", "before and after"),
    ("expert", "懂行的人的建议", "insider tips"),
    ("seasonal", "当下的季节或节日", "the season or a festival"),
)
"""Angles in the words of a topic ("what it is about"), not of an order: a small model copies an order
("算一笔性价比账") into the copy, while a topic phrase that shows up there still reads as copy."""
HOOKS = (
    ("question", "一句提问", "a question"),
    ("number", "一个具体数字", "a number"),
    ("contrast", "一个反差", "a contrast"),
    ("scene", "一个画面", "a picture"),
    ("confession", "一句坦白", "a confession"),
    ("exclaim", "一句感叹", "an exclamation"),
    ("myth", "一个常见误区", "a common myth"),
    ("dialogue", "一句对话", "a line of dialogue"),
)
HOOK_PATTERNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "question": (
        ("你是不是也…？", "为什么…？", "总是…怎么办？"),
        ("Ever wondered why …?", "Why does …?", "What if …?"),
    ),
    "number": (("3个…的理由", "只要1步，…", "第2次…，我…"), ("3 reasons to …", "1 step to …", "Day 2 of …")),
    "contrast": (("以前…，现在…", "别人…，我却…", "不是…，而是…"), ("I used to …, now …", "Not …, but …")),
    "scene": (("{scene}，…", "那天{scene}，…", "{scene}的我，…"), ("{scene}: …", "That day, {scene}, …")),
    "confession": (("说实话，…", "不瞒你说，…", "我承认，…"), ("Honestly, …", "I admit it: …")),
    "exclaim": (("天哪，…！", "太…了吧！", "终于…了！"), ("Wow, …!", "Finally, …!")),
    "myth": (
        ("很多人以为…，其实…", "别再…了！", "还在…？其实不用"),
        ("Most people think …, but …", "Stop …!"),
    ),
    "dialogue": (
        ("朋友问我：“…？”", "同事问我：“…？”", "室友说：“…！”"),
        ('My friend asked: "…?"', 'She said: "…!"'),
    ),
}
"""Sentence patterns for each hook, ``…`` for the model to fill and ``{scene}`` for the plan's scene. A
pattern shows the shape of the opening line, where a description of it ("用一个提问开头") gets copied word
for word by small models; no pattern opens with a gap (those are the ones left unfilled). One per plan,
chosen by its seed."""
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


SCENE_KEYWORDS: dict[str, tuple[str, str]] = {
    "commute": ("通勤", "commute"),
    "morning": ("居家", "home"),
    "late_night": ("加班", "late work"),
    "trip": ("出差", "business travel"),
    "dorm": ("宿舍", "dorm"),
    "afternoon": ("办公", "office"),
    "workout": ("运动", "sport"),
    "date": ("约会", "date night"),
    "rainy": ("雨天", "rainy days"),
    "season_change": ("换季", "all seasons"),
    "home": ("宅家", "stay-at-home"),
    "holiday": ("旅行", "travel"),
    "new_term": ("开学", "back to school"),
    "exam": ("学习", "study"),
    "tea_time": ("休闲", "leisure"),
    "bedtime": ("睡前", "bedtime"),
    "camping": ("户外", "outdoor"),
    "cafe": ("咖啡馆", "cafe"),
    "subway": ("地铁", "subway"),
    "kitchen": ("日常", "everyday"),
    "friends": ("聚会", "parties"),
    "gift_day": ("节日送礼", "holiday gift"),
    "first_try": ("入门", "beginners"),
    "busy_monday": ("上班", "workdays"),
}
"""Each scene as a search keyword of a product listing's title (a usage word, not a sentence)."""
BENEFIT_OPENERS = (
    ("轻松…", "Easily …"),
    ("随时…", "Anytime …"),
    ("一整天…", "All day …"),
    ("安心…", "Worry-free …"),
    ("省心…", "Hassle-free …"),
    ("放心…", "Rest easy …"),
    ("更自在…", "More at ease …"),
    ("不费力…", "Effortless …"),
)
"""Openers of a listing's selling points, ``…`` to be filled with a benefit: a pattern to complete gets
a benefit phrase out of a small model, where asking for one gets the brief's words back. Each reads as a
benefit on its own too (双设备连接，省心): a small model often leaves the ``…`` unfilled, and such a point
is kept with the gap closed (prompts.strip_directions) rather than thrown away with its variant."""
GENERIC_AUDIENCES = (("男女通用", "unisex"), ("自用送礼", "gift"))
"""Audience words a listing title may carry whatever the brief's audience is."""
_AUDIENCE_SPLIT = re.compile(r"[和与及、，,/&;；]|\band\b|\bor\b")


def audience_keywords(audience: str, language: str) -> list[str]:
    """Short audience words for listing titles: the brief's audience split at 和、, (2-8 chars each),
    then the generic ones."""
    words = [w.strip() for w in _AUDIENCE_SPLIT.split(audience)]
    col = 0 if language == "zh" else 1
    found = [w for w in words if 2 <= len(w) <= (8 if language == "zh" else 24)]
    return list(dict.fromkeys([*found, *(pair[col] for pair in GENERIC_AUDIENCES)]))


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

    def usage_keyword(self, language: str) -> str | None:
        """The plan's scene as a listing keyword (通勤, 运动, …)."""
        if self.scene is None:
            return None
        return SCENE_KEYWORDS[self.scene][0 if language == "zh" else 1]

    def hook_pattern(self, language: str) -> str:
        """The sentence pattern of this plan's opening line, ``…`` to be filled by the model."""
        options = HOOK_PATTERNS[self.hook][0 if language == "zh" else 1]
        pattern = options[self.seed % len(options)]
        if "{scene}" in pattern:
            scene = self.describe(language).get("scene") or ("周末" if language == "zh" else "a weekend")
            pattern = pattern.replace("{scene}", scene)
        return pattern


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
