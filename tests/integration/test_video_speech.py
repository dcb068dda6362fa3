"""Voice-over, speech recognition, burned-in subtitles and music sections with the real tools: espeak-ng,
faster-whisper (Whisper base from its PyPI parts), ffmpeg/libass and numpy."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipelines.base import MissingDependency
from pipelines.video import speech
from pipelines.video.errors import VideoError
from pipelines.video.music import (
    AudioError,
    analyse_track,
    choose_section,
    decode_pcm,
    ducking,
)
from pipelines.video.speech import (
    EspeakTTS,
    UploadedVoice,
    VoiceTrack,
    WhisperASR,
    ensure_whisper_model,
    get_tts,
    has_speech,
    number_zh,
    register_tts,
    speech_runs,
)
from pipelines.video.subtitles import write_ass

SCRIPT = "今天天气很好。我们一起去公园散步吧！"


@dataclass(frozen=True)
class Safe:
    top: float = 0.08
    bottom: float = 0.22
    left: float = 0.05
    right: float = 0.15


def _ffmpeg(*args: str) -> None:
    binary = shutil.which("ffmpeg")
    assert binary is not None, "ffmpeg is required (Debian package 'ffmpeg')"
    subprocess.run([binary, "-v", "error", "-y", *args], check=True, timeout=60, capture_output=True)


def _probe_audio(path: Path) -> dict[str, str]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=sample_rate,duration"]
        + ["-of", "json", str(path)],
        check=True,
        capture_output=True,
        timeout=30,
    ).stdout
    stream: dict[str, str] = json.loads(out)["streams"][0]
    return stream


@pytest.fixture(scope="module")
def voice(tmp_path_factory: pytest.TempPathFactory) -> VoiceTrack:
    return EspeakTTS().synthesize(SCRIPT, tmp_path_factory.mktemp("voice"))


@pytest.fixture(scope="module")
def asr(tmp_path_factory: pytest.TempPathFactory) -> WhisperASR:
    model = WhisperASR(cache_dir=tmp_path_factory.mktemp("models"))
    model.load()
    return model


def test_espeak_voice_track_has_exact_monotonic_cue_timings(voice: VoiceTrack) -> None:
    assert [c.text for c in voice.cues] == ["今天天气很好。", "我们一起去公园散步吧！"]
    assert voice.cues[0].start == 0.0
    for cue, after in zip(voice.cues, voice.cues[1:], strict=False):
        assert cue.start < cue.end == after.start
    stream = _probe_audio(voice.wav_path)
    assert stream["sample_rate"] == "48000"
    assert abs(float(stream["duration"]) - voice.cues[-1].end) < 0.01
    assert abs(voice.duration - voice.cues[-1].end) < 0.01
    assert 2.5 < voice.duration < 12.0
    assert voice.source == "espeak:cmn-latn-pinyin+f3"


def test_text_is_read_as_pinyin_numerals_and_english_words() -> None:
    assert number_zh("7,999") == "七千九百九十九"
    assert number_zh("3.5%") == "百分之三点五"
    assert number_zh("2024", "年") == "二零二四"
    assert [number_zh(n) for n in ("10005", "100000", "100001000", "15", "0571")] == [
        "一万零五",
        "十万",
        "一亿零一千",
        "十五",
        "零五七一",
    ]
    runs = speech_runs("全新iPhone 15 Pro，售价7,999元！")
    assert runs == [
        ("zh", "quan2 xin1"),
        ("en", "iPhone"),
        ("zh", "shi2 wu3"),
        ("en", "Pro,"),
        ("zh", "shou4 jia4 qi1 qian1 jiu3 bai3 jiu3 shi2 jiu3 yuan2."),
    ]


def test_mixed_script_with_latin_digits_and_punctuation_is_spoken(tmp_path: Path) -> None:
    track = get_tts("espeak", max_chars_per_line=8).synthesize(
        "全新iPhone 15 Pro，售价7,999元，支持5G网络、Wi-Fi 6E和卫星通信。", tmp_path, rate=1.2
    )
    assert len(track.cues) >= 2
    assert track.duration > 3.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["voice.wav", "voice_cues"]


def test_missing_espeak_names_the_debian_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_ESPEAK", str(tmp_path / "no-espeak"))
    with pytest.raises(MissingDependency, match="'espeak-ng'"):
        EspeakTTS().synthesize(SCRIPT, tmp_path / "out")
    assert not (tmp_path / "out" / "voice.wav").exists()
    assert not (tmp_path / "out" / "voice_cues").exists()


class EchoTTS:
    """A second backend, registered by name (only constructed here)."""

    name = "echo"

    def __init__(self, **_: object) -> None:
        pass


def test_tts_registry_is_pluggable_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speech, "_TTS_BACKENDS", dict(speech._TTS_BACKENDS))
    register_tts("echo", f"{__name__}:EchoTTS")
    assert isinstance(get_tts("echo"), EchoTTS)
    assert isinstance(get_tts(), EspeakTTS)
    with pytest.raises(KeyError, match="known: echo, espeak"):
        get_tts("nope")


def test_whisper_reads_the_espeak_voice_back_in_simplified_chinese(
    voice: VoiceTrack, asr: WhisperASR
) -> None:
    cues = asr.transcribe(voice.wav_path, "zh")
    text = "".join(c.text for c in cues)
    hanzi = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    assert len(hanzi) >= 5, text
    assert len(set(hanzi) & set(SCRIPT)) >= 4, text  # espeak is robotic: a loose check
    assert not set(text) & set("們氣樂個這"), text  # simplified
    assert all(0 <= c.start <= c.end <= voice.duration + 0.5 for c in cues)
    model_dir = ensure_whisper_model(asr.cache_dir)  # joined once: now instant
    assert sorted(p.name for p in model_dir.iterdir() if not p.name.startswith(".")) == [
        "config.json",
        "model.bin",
        "tokenizer.json",
        "vocabulary.txt",
    ]


def test_has_speech_is_false_for_silence_and_footage_without_audio(voice: VoiceTrack, tmp_path: Path) -> None:
    assert has_speech(voice.wav_path)
    silent, mute = tmp_path / "silent.wav", tmp_path / "mute.mp4"
    _ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "2", str(silent))
    _ffmpeg("-f", "lavfi", "-i", "color=c=black:s=64x64:d=1:r=10", "-c:v", "libx264", str(mute))
    assert not has_speech(silent)
    assert not has_speech(mute)


def test_uploaded_voice_cues_follow_the_speech_or_the_asr(
    voice: VoiceTrack, asr: WhisperASR, tmp_path: Path
) -> None:
    upload = tmp_path / "upload.m4a"  # the espeak voice after a second of silence, as AAC
    _ffmpeg("-i", str(voice.wav_path), "-af", "adelay=1000,apad=pad_dur=0.5", "-c:a", "aac", str(upload))
    track = UploadedVoice(upload).synthesize(SCRIPT, tmp_path / "plain")
    assert _probe_audio(track.wav_path)["sample_rate"] == "48000"
    assert abs(track.duration - (voice.duration + 1.5)) < 0.15
    assert [c.text for c in track.cues] == ["今天天气很好。", "我们一起去公园散步吧！"]
    assert 0.9 < track.cues[0].start < 1.2
    assert abs(track.cues[-1].end - (voice.duration + 1.0 - 0.3)) < 0.15  # the voice ends in a 0.3 s pause
    heard = UploadedVoice(upload, asr=asr).synthesize("", tmp_path / "asr")
    assert heard.cues and 0.8 <= heard.cues[0].start <= 1.2
    assert heard.source.endswith(":asr")


def test_ass_subtitles_render_inside_the_safe_zone(voice: VoiceTrack, tmp_path: Path) -> None:
    width, height = 360, 640
    subs = write_ass(
        voice.cues, tmp_path / "subs, 'odd':dir" / "voice.ass", width=width, height=height, safe=Safe()
    )
    frame = tmp_path / "frame.png"
    _ffmpeg(
        "-f", "lavfi", "-i", f"color=c=0x2040a0:s={width}x{height}:d=2:r=10", "-vf",
        f"{subs.filter_string()},trim=start=0.5,setpts=PTS-STARTPTS", "-frames:v", "1", str(frame),
    )  # fmt: skip
    pixels = np.asarray(Image.open(frame).convert("RGB")).astype(int)
    white = np.argwhere(pixels.min(axis=2) > 230)
    assert len(white) > 200, "no subtitle text was drawn"
    rows, cols = white[:, 0], white[:, 1]
    assert rows.max() <= height * (1 - Safe.bottom) and rows.min() >= height * 0.5
    assert cols.min() >= width * Safe.right - 2 and cols.max() <= width * (1 - Safe.right) + 2


def _music(path: Path, seconds: float = 40.0) -> Path:
    """A 128 BPM pulse, quiet for its first 10 seconds."""
    expr = "(0.15+0.65*gte(t,10))*sin(2*PI*220*t)*exp(-20*mod(t-0.3,60/128))"
    _ffmpeg("-f", "lavfi", "-i", f"aevalsrc='{expr}':s=22050:d={seconds}", str(path))
    return path


def test_music_section_is_beat_aligned_loud_and_deterministic_by_seed(tmp_path: Path) -> None:
    analysis = analyse_track(_music(tmp_path / "music.wav"))
    assert analysis.tempo_bpm is not None and abs(analysis.tempo_bpm - 128) < 3
    sections = [choose_section(analysis, 15.0, seed=seed) for seed in range(6)]
    assert choose_section(tmp_path / "music.wav", 15.0, seed=3) == sections[3]
    assert len({s.offset for s in sections}) >= 2
    beat = 60 / analysis.tempo_bpm
    for section in sections:
        assert 10.0 - beat <= section.offset and section.offset + 15.0 <= analysis.duration
        phase = (section.offset - 0.3) % beat
        assert min(phase, beat - phase) < 0.1
        assert 0 < section.fade_in <= 0.5 and 0 < section.fade_out <= 2.0 and not section.loop
    other = choose_section(analysis, 15.0, seed=0, avoid=[sections[0].offset])
    assert abs(other.offset - sections[0].offset) >= 15.0 / 4
    short = choose_section(analysis, 60.0, seed=1)
    assert short.offset == 0.0 and short.loop


def test_ducking_parameters_are_valid_for_ffmpeg(tmp_path: Path) -> None:
    duck = ducking("strong")
    assert duck.music_gain_db < 0 and duck.ratio > 1 and duck.attack < duck.release
    assert set(duck.filter_args()) == {"threshold", "ratio", "attack", "release", "makeup", "knee"}
    assert ducking(has_voice=False).music_gain_db == 0.0
    graph = f"[0:a][1:a]{duck.filter_string()}[out]"
    _ffmpeg(
        "-f", "lavfi", "-i", "sine=f=220:d=1", "-f", "lavfi", "-i", "sine=f=440:d=1",
        "-filter_complex", graph, "-map", "[out]", str(tmp_path / "ducked.wav"),
    )  # fmt: skip
    assert (tmp_path / "ducked.wav").stat().st_size > 1000


def test_decode_errors_are_clear(tmp_path: Path) -> None:
    mute, corrupt = tmp_path / "mute.mp4", tmp_path / "corrupt.mp3"
    _ffmpeg("-f", "lavfi", "-i", "color=c=black:s=64x64:d=1:r=10", "-c:v", "libx264", str(mute))
    corrupt.write_bytes(b"ID3" + bytes(range(256)) * 8)
    with pytest.raises(AudioError) as missing:
        decode_pcm(tmp_path / "nope.wav")
    assert missing.value.code == "not_found"
    with pytest.raises(AudioError) as no_audio:
        decode_pcm(mute)
    assert no_audio.value.code == "no_audio"
    with pytest.raises(AudioError) as broken:
        decode_pcm(corrupt)
    assert broken.value.code == "corrupt_audio"


def test_whisper_detects_the_language_when_asked_and_refuses_an_unknown_code(
    asr: WhisperASR, tmp_path: Path
) -> None:
    english = EspeakTTS().synthesize(
        "Hello world. This is a short test of automatic subtitles.", tmp_path, voice="en"
    )
    cues = asr.transcribe(english.wav_path, None)
    text = " ".join(c.text for c in cues).lower()
    assert {"hello", "world", "test"} & set(text.replace(".", " ").replace(",", " ").split()), text
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in text), text  # not forced into Chinese
    with pytest.raises(VideoError) as unknown:
        asr.transcribe(english.wav_path, "xx")
    assert unknown.value.code == "unsupported_language"
