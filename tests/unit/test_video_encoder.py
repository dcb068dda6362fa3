"""Which H.264 encoder a render uses: ``h264_nvenc`` when ffmpeg lists it and a GPU is visible, else
libx264; and a render whose NVENC attempt fails at run time is encoded again with libx264. The machine
is faked: an ffmpeg stand-in (``ATELIER_FFMPEG``) answers ``-encoders`` with a canned listing and fails
every NVENC encode, passing everything else to the real ffmpeg; device nodes live in a temp folder."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.video.errors import RenderError
from pipelines.video.plan import Clip, EditPlan
from pipelines.video.presets import get_preset
from pipelines.video.render import RenderInputs, _encoder_args, choose_encoder, render_plan
from pipelines.video.runner import encoders, ffmpeg_exe, gpu_present

LISTING = """Encoders:
 V..... = Video
 A..... = Audio
 ------
 V....D libx264              libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)
 V....D h264_nvenc           NVIDIA NVENC H.264 encoder (codec h264)
 V....D h264_vaapi           H.264/AVC (VAAPI) (codec h264)
 A....D aac                  AAC (Advanced Audio Coding)
"""


class FakeFfmpeg:
    """The ffmpeg stand-in: its command lines (``calls``) and whether libx264 fails too."""

    def __init__(self, folder: Path, real: str) -> None:
        self.real = real
        self.log = folder / "calls.log"
        self.listing = folder / "listing.txt"
        self.listing.write_text(LISTING)
        self.broken = folder / "libx264-broken"
        self.script = folder / "ffmpeg"
        self.script.write_text(
            "#!/usr/bin/env bash\n"
            f'echo "$*" >> {self.log}\n'
            f'case " $* " in *" -encoders "*) cat {self.listing}; exit 0;; esac\n'
            'for a in "$@"; do\n'
            '  if [ "$a" = h264_nvenc ]; then\n'
            '    echo "[h264_nvenc @ 0x55d0] OpenEncodeSessionEx failed: no encode device (1)" >&2; exit 1\n'
            "  fi\n"
            f'  if [ "$a" = libx264 ] && [ -e {self.broken} ]; then echo "x264 broken" >&2; exit 1; fi\n'
            "done\n"
            f'exec {real} "$@"\n'
        )
        self.script.chmod(0o755)

    def video_encoders(self) -> list[str]:
        """The encoder of each video-step run, in order."""
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        out = []
        for line in lines:
            if ".video.part.mp4" in line:
                words = line.split()
                out.append(words[words.index("-vcodec") + 1])
        return out


@pytest.fixture
def fake_ffmpeg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeFfmpeg]:
    fake = FakeFfmpeg(tmp_path, ffmpeg_exe())
    monkeypatch.setenv("ATELIER_FFMPEG", str(fake.script))
    ffmpeg_exe.cache_clear()
    encoders.cache_clear()
    yield fake
    monkeypatch.undo()
    ffmpeg_exe.cache_clear()
    encoders.cache_clear()


def test_encoder_names_come_from_the_ffmpeg_listing(fake_ffmpeg: FakeFfmpeg) -> None:
    assert {"libx264", "h264_nvenc", "h264_vaapi"} <= encoders()
    assert "aac" not in encoders()  # audio encoders are not video encoders


def test_a_gpu_is_a_device_node_that_cuda_does_not_hide(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert not gpu_present(tmp_path)
    (tmp_path / "nvidiactl").touch()
    assert gpu_present(tmp_path)
    for hidden in ("", "-1", "NoDevFiles"):
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", hidden)
        assert not gpu_present(tmp_path), hidden
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    assert gpu_present(tmp_path)


@pytest.mark.parametrize(
    ("listed", "gpu", "chosen"),
    [
        ({"libx264", "h264_nvenc"}, True, "h264_nvenc"),
        ({"libx264", "h264_nvenc"}, False, "libx264"),  # Debian's ffmpeg lists NVENC on every machine
        ({"libx264"}, True, "libx264"),
        (set(), False, "libx264"),
    ],
)
def test_auto_takes_nvenc_only_when_listed_and_a_gpu_is_present(
    listed: set[str], gpu: bool, chosen: str
) -> None:
    assert choose_encoder("auto", listed=frozenset(listed), gpu=gpu) == chosen
    assert choose_encoder("libx264", listed=frozenset(listed), gpu=gpu) == "libx264"
    assert choose_encoder("h264_nvenc", listed=frozenset(), gpu=False) == "h264_nvenc"  # asked for: tried


def test_auto_on_this_machine_follows_the_listing_and_the_devices(fake_ffmpeg: FakeFfmpeg) -> None:
    assert choose_encoder() == ("h264_nvenc" if gpu_present() else "libx264")


def test_encoder_arguments_switch_with_the_encoder() -> None:
    inputs = RenderInputs(crf=21, x264_preset="veryfast")
    nvenc, x264 = _encoder_args("h264_nvenc", inputs, 30), _encoder_args("libx264", inputs, 30)
    assert nvenc["vcodec"] == "h264_nvenc" and nvenc["cq"] == 21 and nvenc["preset"] == "p4"
    assert "crf" not in nvenc and "x264-params" not in nvenc and "threads" not in nvenc
    assert x264["vcodec"] == "libx264" and x264["crf"] == 21 and x264["preset"] == "veryfast"
    for args in (nvenc, x264):
        assert (args["pix_fmt"], args["g"], args["r"]) == ("yuv420p", 60, 30)


def _plan(folder: Path, ffmpeg: str) -> EditPlan:
    source = folder / "source.mp4"
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=160x90:r=30:d=1.2"]
        + ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(source)],
        check=True,
        timeout=60,
    )
    clip = Clip(
        source=str(source),
        shot=f"{source}#0",
        group=0,
        start=0.1,
        source_duration=1.0,
        duration=1.0,
        source_width=160,
        source_height=90,
        source_fps=30.0,
        has_audio=False,
        fit="fill",
    )
    preset = get_preset("douyin").scaled(0.1)
    return EditPlan(
        variant=0,
        seed=0,
        preset=preset,
        duration=1.0,
        segments=[1.0],
        pacing="medium",
        transition_style="cuts",
        clips=[clip],
        transitions=[],
        hook_duration=0.0,
        end_card_duration=0.0,
    )


def _codec(path: Path) -> str:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name"]
        + ["-of", "json", str(path)],
        check=True,
        capture_output=True,
        timeout=30,
    ).stdout
    codec: str = json.loads(out)["streams"][0]["codec_name"]
    return codec


def test_a_failed_nvenc_encode_is_done_again_with_libx264(fake_ffmpeg: FakeFfmpeg, tmp_path: Path) -> None:
    plan = _plan(tmp_path, fake_ffmpeg.real)
    result = render_plan(
        plan, RenderInputs(encoder="h264_nvenc"), tmp_path / "out.mp4", work_dir=tmp_path / "work"
    )
    assert fake_ffmpeg.video_encoders() == ["h264_nvenc", "libx264"]
    assert result.encoder == "libx264" and _codec(Path(result.video)) == "h264"
    again = render_plan(
        plan, RenderInputs(encoder="h264_nvenc"), tmp_path / "out2.mp4", work_dir=tmp_path / "work"
    )
    assert again.encoder == "libx264" and "video" in again.skipped  # the resume knows what encoded it


def test_when_every_encoder_fails_nothing_is_published(fake_ffmpeg: FakeFfmpeg, tmp_path: Path) -> None:
    fake_ffmpeg.broken.touch()
    out = tmp_path / "published" / "out.mp4"
    with pytest.raises(RenderError) as caught:
        render_plan(
            _plan(tmp_path, fake_ffmpeg.real),
            RenderInputs(encoder="h264_nvenc"),
            out,
            work_dir=tmp_path / "work",
        )
    assert caught.value.step == "video (libx264)" and "x264 broken" in caught.value.message
    assert fake_ffmpeg.video_encoders() == ["h264_nvenc", "libx264"]
    assert not out.exists() and not list((tmp_path / "work").glob(".*part*"))
