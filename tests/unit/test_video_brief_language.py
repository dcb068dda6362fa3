"""The video brief's speech language: Whisper codes or 'auto', checked when the brief is submitted."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pipelines.video.speech import WHISPER_LANGUAGES
from serving.generation.video_brief import VideoJobBrief


def brief(**changes: object) -> VideoJobBrief:
    return VideoJobBrief.model_validate({"footage": ["raw/a.mp4"], "script": "新品上市", **changes})


def test_chinese_is_the_default_and_auto_means_detect() -> None:
    assert (brief().speech_language, brief().whisper_language()) == ("zh", "zh")
    assert brief(speech_language="auto").whisper_language() is None
    assert brief(speech_language=" EN ").whisper_language() == "en"
    assert brief(speech_language="yue").whisper_language() == "yue"


@pytest.mark.parametrize("code", ["xx", "chinese", "", "zh-CN"])
def test_an_unknown_language_is_refused_at_submit(code: str) -> None:
    with pytest.raises(ValidationError, match="speech_language"):
        brief(speech_language=code)


def test_the_language_list_matches_the_installed_whisper() -> None:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    assert set(_LANGUAGE_CODES) == WHISPER_LANGUAGES
