"""Probing footage (bad files refused with codes, VFR/odd/audio-less accepted), shot detection on the
generated samples (cuts within 0.2 s) and shot scoring (faces, duplicate groups)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from pipelines.video.errors import FootageError, FootageNotFound
from pipelines.video.probe import probe_footage
from pipelines.video.runner import ffmpeg_exe
from pipelines.video.samples import SampleSet, make_voice
from pipelines.video.scoring import analyse_footage
from pipelines.video.shots import detect_shots
from tests.footage import shared_sample_footage


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> SampleSet:
    return shared_sample_footage(tmp_path_factory)


def _code(path: Path) -> str:
    with pytest.raises(FootageError) as caught:
        probe_footage(path)
    return caught.value.code


def test_bad_files_are_refused_with_codes(samples: SampleSet, tmp_path: Path) -> None:
    with pytest.raises(FootageNotFound):
        probe_footage(tmp_path / "missing.mp4")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    assert _code(empty) == "empty_file"
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(os.urandom(4096))
    assert _code(corrupt) == "corrupt_file"
    data = Path(samples.clip("scenes_a").path).read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[: len(data) // 2])
    assert _code(truncated) == "truncated_file"
    still = tmp_path / "still.png"
    Image.new("RGB", (64, 64), "red").save(still)
    assert _code(still) == "zero_duration"
    voice = make_voice(tmp_path / "voice.wav", 1.0)
    assert _code(voice) == "no_video_stream"


def test_awkward_footage_is_probed_not_refused(samples: SampleSet) -> None:
    vfr = probe_footage(samples.clip("vfr").path)
    assert vfr.variable_frame_rate and vfr.duration == pytest.approx(3.0, abs=0.1)
    odd = probe_footage(samples.clip("odd").path)
    assert (odd.width % 2, odd.height % 2) == (1, 1)
    assert probe_footage(samples.clip("scenes_a").path).has_audio
    silent = probe_footage(samples.clip("scenes_b").path)
    assert not silent.has_audio and silent.codec == "h264" and silent.rotation == 0


def test_rotated_footage_reports_displayed_size(samples: SampleSet, tmp_path: Path) -> None:
    rotated = tmp_path / "rotated.mp4"
    source = samples.clip("scenes_a").path
    args = ["-i", source, "-c", "copy", "-metadata:s:v:0", "rotate=90", str(rotated)]
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *args], check=True)
    info = probe_footage(rotated)
    assert info.rotation in (90, 270) and (info.width, info.height) == (360, 640)
    assert [round(s.start, 1) for s in detect_shots(rotated)] == [0.0, 1.5, 3.0]


def test_shot_detection_finds_generated_cuts(samples: SampleSet) -> None:
    for clip in samples.clips:
        shots = detect_shots(clip.path)
        found = [s.start for s in shots[1:]]
        assert len(found) == len(clip.cuts), (clip.path, found)
        for expected, got in zip(clip.cuts, found, strict=True):
            assert abs(expected - got) <= 0.2, (clip.path, found)
        assert shots[-1].end == pytest.approx(clip.duration, abs=0.1)


def test_scoring_faces_and_duplicates(samples: SampleSet) -> None:
    face, scenes = samples.clip("face").path, samples.clip("scenes_a").path
    shots = analyse_footage([face, scenes, scenes])
    assert shots[0].faces >= 1 and shots[0].subject_kind == "face"
    assert shots[0].score > max(s.score for s in shots[1:])
    first, second = shots[2:5], shots[5:8]
    assert [s.group for s in first] == [s.group for s in second]
    assert len({s.group for s in first}) == 3
    assert all(0 <= s.subject.x <= 1 and s.subject.x + s.subject.w <= 1.0001 for s in shots)
