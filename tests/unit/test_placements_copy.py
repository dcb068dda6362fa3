"""The copy shipped with a rendition is fitted to its placement: titles and captions trimmed at a
sentence or clause end, hashtags limited, and the fitted copy passes the placement's and pack's checks."""

from __future__ import annotations

from compliance_rules.placements import Placements, copy_findings, fit_copy
from compliance_rules.placements.captions import ELLIPSIS, hashtag, trim

CAPTION = (
    "夏天到了，防晒跟上了吗？清透防晒乳，轻薄不油腻，海边度假也安心。"
    "SPF50+ PA++++ 高倍防晒，24小时长效保湿，敏感肌也能放心用。限时赠旅行装，点击下方链接了解更多。"
)


def test_trim_prefers_a_sentence_end_then_a_clause_end_then_an_ellipsis() -> None:
    assert trim("短文案", 10) == "短文案"
    assert trim(CAPTION, 40) == "夏天到了，防晒跟上了吗？清透防晒乳，轻薄不油腻，海边度假也安心。"
    clause = trim("清透防晒乳，轻薄不油腻，海边度假也安心没有句号的一长段文字", 14)
    assert clause == "清透防晒乳，轻薄不油腻" + ELLIPSIS and len(clause) <= 14
    hard = trim("一二三四五六七八九十一二三四五六七八九十", 8)
    assert hard == "一二三四五六七" + ELLIPSIS and len(hard) == 8


def test_copy_is_fitted_to_each_placement_and_then_passes_its_checks() -> None:
    placements = Placements.builtin()
    tags = (
        "防晒",
        "夏日好物",
        "#海边",
        "有 空格",
        "敏感肌",
        "旅行",
        "清透",
        "SPF50",
        "新品",
        "种草",
        "好物",
        "真香",
    )
    title = "夏日清凉新品上市，清透防晒乳限时尝鲜，全场低至五折，快来抢购吧"
    for placement in placements.all():
        fitted = fit_copy(placement, title, CAPTION, tags)
        assert copy_findings(placement, fitted.title, fitted.caption) == [], placement.id
        if placement.title_max_chars:
            assert fitted.title is not None and len(fitted.title) <= placement.title_max_chars
        if placement.caption_max_chars:
            assert fitted.caption is not None and len(fitted.caption) <= placement.caption_max_chars
        if placement.hashtags_max is not None:
            assert len(fitted.hashtags) <= placement.hashtags_max
    moments = fit_copy(placements.get("wechat_moments.image_square"), title, CAPTION, tags)
    # the caption is cut at its first sentence end; the hashtags that still fit in 40 characters follow
    assert moments.caption == "夏天到了，防晒跟上了吗？清透防晒乳，轻薄不油腻，海边度假也安心。 #防晒 #海边"
    assert "caption trimmed to 40 characters" in moments.changes
    assert "hashtag #夏日好物 dropped: no room in the caption" in moments.changes
    xhs = fit_copy(placements.get("xiaohongshu.note_cover_3x4"), title, CAPTION, tags)
    assert xhs.title == "夏日清凉新品上市，清透防晒乳限时尝鲜" + ELLIPSIS  # cut at the clause end, 19 of 20
    assert xhs.hashtags[:3] == ("#防晒", "#夏日好物", "#海边") and len(xhs.hashtags) == 10
    assert "hashtags cut to 10" in xhs.changes and "#有" not in " ".join(xhs.hashtags)
    screen = fit_copy(placements.get("focus_media.lift_portrait_image"), title, CAPTION, tags)
    assert screen.hashtags == () and screen.caption == CAPTION  # screens: no hashtags, no caption limit


def test_hashtag_names() -> None:
    assert hashtag("防晒") == "#防晒" and hashtag("#防晒") == "#防晒"
    assert hashtag("两个 词") is None and hashtag("") is None and hashtag("a#b") is None
