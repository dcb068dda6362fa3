"""Subtitles: script → cues, cue timing, kinsoku line breaking with the real font, ASS and SRT files."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import ValidationError

from pipelines.poster.linebreak import CLOSING, OPENING
from pipelines.video.subtitles import (
    Cue,
    SubtitleStyle,
    display_width,
    escape_ass,
    split_script,
    spread_cues,
    subtitle_layout,
    to_srt,
    wrap,
    write_ass,
)


@dataclass(frozen=True)
class Safe:
    top: float = 0.08
    bottom: float = 0.22
    left: float = 0.05
    right: float = 0.15


SCRIPT = (
    "夏日清凉新品上市。全新iPhone 15 Pro手机，售价7,999元，支持5G网络、Wi-Fi 6E和卫星通信，"
    "是你出行旅游、商务办公的最佳选择！他说：“真的吗？”限时折扣3.5%；快来抢购吧"
)


def test_sentences_split_on_chinese_stops_and_keep_their_closing_quotes() -> None:
    cues = split_script("今天天气很好。我们去公园吧！真的吗？“好啊！”他说；走吧", max_chars_per_line=20)
    assert cues == ["今天天气很好。", "我们去公园吧！", "真的吗？", "“好啊！”", "他说；", "走吧"]


def test_long_sentences_split_at_commas_into_cues_that_fit_two_lines() -> None:
    cues = split_script(SCRIPT, max_chars_per_line=8)
    assert "".join(cues).replace(" ", "") == SCRIPT.replace(" ", "")
    assert all(display_width(cue) <= 16 for cue in cues), cues
    assert "售价7,999元，" in "".join(cues[1:4])
    for whole in ("iPhone", "7,999", "Wi-Fi", "3.5%", "5G"):
        assert any(whole in cue for cue in cues), (whole, cues)
    assert not any(cue[0] in CLOSING for cue in cues), cues


def test_a_clause_without_commas_is_cut_into_even_pieces_at_word_boundaries() -> None:
    text = "这是一段没有任何逗号的非常非常长的广告文案用来测试硬切分iPhone15Pro不会被切开"
    cues = split_script(text, max_chars_per_line=6)
    assert "".join(cues) == text
    assert all(display_width(cue) <= 12 for cue in cues), cues
    assert any("iPhone15Pro" in cue for cue in cues)


def test_spread_cues_are_back_to_back_and_proportional_to_length() -> None:
    cues = spread_cues(["一二", "一二三四", "一二"], 8.0, start=1.0)
    assert [c.start for c in cues] == [1.0, 3.0, 7.0]
    assert cues[-1].end == 9.0
    assert all(a.end == b.start for a, b in zip(cues, cues[1:], strict=False))


def test_a_cue_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValidationError):
        Cue(start=2.0, end=1.0, text="x")


def test_layout_follows_the_safe_zone_and_the_font_metrics() -> None:
    layout = subtitle_layout(1080, 1920, Safe(), SubtitleStyle(), font_px=64)
    assert layout.margin_l == layout.margin_r == round(1080 * 0.15)  # centred: both take the wider side
    assert layout.margin_v >= round(1920 * 0.22)
    assert 60 <= layout.em_px <= 68 and layout.font_size > layout.em_px  # ASS size > glyph size
    assert layout.chars_per_line == int(layout.line_width // layout.em_px) >= 10


@pytest.mark.parametrize(
    "text",
    [
        "他说：「今天真好。」然后（笑）走了很远很远的路，到了公园门口。",
        "《新品》发布【限时】抢购“好物”推荐，全场七折起，买二送一！",
        "支持5G网络、Wi-Fi 6E和卫星通信，售价7,999元，限时折扣3.5%。",
    ],
)
def test_wrapped_lines_fit_the_safe_width_and_keep_kinsoku(text: str) -> None:
    style = SubtitleStyle()
    layout = subtitle_layout(720, 1280, Safe(), style, font_px=48)
    lines = wrap(text, layout, style)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    from pipelines.poster.fonts import load_font

    font = load_font(style.font_path, style.font_index, round(layout.em_px))
    for line in lines:
        assert font.getlength(line) <= layout.line_width + 2, line
    for line in lines[1:]:
        assert line[0] not in CLOSING, lines
    for line in lines:
        assert line[-1] not in OPENING, lines


def test_two_lines_prefer_a_break_after_a_comma() -> None:
    style = SubtitleStyle()
    layout = subtitle_layout(1080, 1920, Safe(), style, font_px=64)
    assert wrap("是你出行旅游、商务办公的最佳选择", layout, style) == ["是你出行旅游、", "商务办公的最佳选择"]


def test_escape_ass_neutralises_override_codes() -> None:
    assert escape_ass(r"{\b1}粗体\N") == "｛＼b1｝粗体＼N"
    assert escape_ass("两\n行") == r"两\N行"


def _sections(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        if line.startswith("["):
            current = line.strip("[]")
            out[current] = []
        elif line.strip():
            out[current].append(line)
    return out


def test_ass_file_parses_with_style_margins_and_split_events(tmp_path: Path) -> None:
    long = "这是一句很长很长的字幕，长到两行都放不下，所以会在时间上被分成两段，每段最多两行文字。"
    cues = [Cue(start=0.0, end=1.5, text="今天天气很好。"), Cue(start=1.5, end=6.0, text=long)]
    cues.append(Cue(start=6.0, end=7.0, text="{\\b1}注入"))
    written = write_ass(cues, tmp_path / "out" / "subs.ass", width=720, height=1280, safe=Safe(), font_px=48)
    sections = _sections(written.path.read_text(encoding="utf-8"))
    info = dict(line.split(": ", 1) for line in sections["Script Info"])
    assert (info["PlayResX"], info["PlayResY"], info["WrapStyle"]) == ("720", "1280", "2")
    style_format = sections["V4+ Styles"][0].removeprefix("Format: ").split(", ")
    style = dict(zip(style_format, sections["V4+ Styles"][1].removeprefix("Style: ").split(","), strict=True))
    assert style["Fontname"] == "Noto Sans CJK SC" and style["Bold"] == "-1" and style["Alignment"] == "2"
    assert int(style["MarginL"]) == written.layout.margin_l == round(720 * 0.15)
    assert int(style["MarginV"]) == written.layout.margin_v
    assert float(style["Outline"]) > 0 and float(style["Shadow"]) > 0
    dialogues = [line for line in sections["Events"] if line.startswith("Dialogue:")]
    assert len(dialogues) == written.events > len(cues)
    times = [re.findall(r"\d+:\d\d:\d\d\.\d\d", d)[:2] for d in dialogues]
    assert times[0] == ["0:00:00.00", "0:00:01.50"] and times[-1] == ["0:00:06.00", "0:00:07.00"]
    texts = [d.split(",,", 1)[1].split(",", 4)[-1] for d in dialogues]
    assert texts[0] == "今天天气很好"  # final 。 dropped
    assert all(t.count("\\N") <= 1 for t in texts)
    assert texts[-1] == "｛＼b1｝注入"
    assert (written.fonts_dir / "NotoSansCJK-Bold.ttc").exists()
    assert list(written.fonts_dir.iterdir()) == [written.fonts_dir / "NotoSansCJK-Bold.ttc"]


def test_filter_string_escapes_paths_for_a_filter_graph(tmp_path: Path) -> None:
    path = tmp_path / "a,b:c'd" / "s.ass"
    written = write_ass([Cue(start=0, end=1, text="好")], path, width=320, height=320, safe=Safe())
    value = written.filter_string()
    assert value.startswith("subtitles=filename=") and ":fontsdir=" in value
    assert "a\\,b\\\\:c\\\\\\'d" in value
    assert written.filter_args() == {"filename": str(written.path), "fontsdir": str(written.fonts_dir)}


def test_srt_numbers_cues_with_millisecond_times() -> None:
    srt = to_srt([Cue(start=0.0, end=1.25, text="你好"), Cue(start=61.5, end=3723.004, text="再见")])
    assert srt == "1\n00:00:00,000 --> 00:00:01,250\n你好\n\n2\n00:01:01,500 --> 01:02:03,004\n再见\n"


def test_video_speech_modules_load_no_speech_stack_at_import() -> None:
    code = (
        "import sys, json\nimport pipelines.video.speech, pipelines.video.music, pipelines.video.subtitles\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = {name.split(".")[0] for name in json.loads(done.stdout.strip().splitlines()[-1])}
    assert not loaded & {"faster_whisper", "ctranslate2", "onnxruntime", "pypinyin", "opencc", "torch", "av"}
