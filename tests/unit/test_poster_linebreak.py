"""Chinese line breaking (kinsoku) and mixed Chinese/Latin text."""

from __future__ import annotations

import pytest

from pipelines.poster.linebreak import CLOSING, OPENING, break_lines, groups


def width(text: str) -> float:
    """One unit per character, so widths are easy to reason about."""
    return float(len(text))


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("夏日清凉，新品上市！限时特惠，买一送一。", 5),
        ("他说：「今天真好。」然后（笑）走了……真的——好", 4),
        ("《新品》发布【限时】抢购“好物”推荐。", 3),
        ("这是一段很长很长的文字，用来测试标点、顿号；分号：冒号？问号！叹号。", 6),
    ],
)
def test_no_line_starts_with_closing_or_ends_with_opening_punctuation(text: str, limit: int) -> None:
    lines = break_lines(text, width, limit)
    assert lines is not None
    assert "".join(lines) == text
    for line in lines[1:]:
        assert line[0] not in CLOSING, lines
    for line in lines:
        assert line[-1] not in OPENING, lines


def test_closing_punctuation_stays_with_the_character_before_it() -> None:
    assert break_lines("夏日清凉，新品上市！", width, 4) == ["夏日清", "凉，新品", "上市！"]


def test_latin_words_and_numbers_are_never_split() -> None:
    text = "全新 iPhone15Pro 手机 SPF50+ 防晒 3.5% 折扣 Wi-Fi 6E"
    lines = break_lines(text, width, 12)
    assert lines is not None
    words = {"iPhone15Pro", "SPF50+", "3.5%", "Wi-Fi", "6E"}
    assert words <= {token for line in lines for token in line.split()}
    assert all(len(line) <= 12 for line in lines)


def test_spaces_between_latin_words_are_break_points_and_dropped_at_line_ends() -> None:
    assert break_lines("Hello world from Shanghai", width, 11) == ["Hello world", "from", "Shanghai"]


def test_a_word_wider_than_the_line_does_not_fit() -> None:
    assert break_lines("Supercalifragilistic 好", width, 8) is None


def test_groups_glue_opening_and_closing_marks() -> None:
    assert groups("（限量）¥199元") == ["（限", "量）", "¥199", "元"]
    assert groups("真的……好——吗") == ["真", "的……", "好", "——", "吗"]


def test_newlines_are_paragraphs() -> None:
    assert break_lines("· 保湿\n· 防晒 SPF50+", width, 20) == ["· 保湿", "· 防晒 SPF50+"]


def test_balance_evens_out_a_headline() -> None:
    greedy = break_lines("春季新品全场五折起限时三天", width, 10)
    balanced = break_lines("春季新品全场五折起限时三天", width, 10, balance=True)
    assert greedy == ["春季新品全场五折起限", "时三天"]
    assert balanced is not None and len(balanced) == 2
    assert max(map(len, balanced)) - min(map(len, balanced)) <= 1


def test_tracking_is_trimmed_at_the_line_end() -> None:
    def tracked(text: str) -> float:
        return len(text) * 1.5

    assert break_lines("一二三四", tracked, 5.5, trim=0.5) == ["一二三四"]
    assert break_lines("一二三四", tracked, 5.4, trim=0.5) == ["一二三", "四"]
