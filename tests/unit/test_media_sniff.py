"""Sniffing over real bytes: Pillow images, ffmpeg media, stdlib archives and WAV, and text edge cases."""

from __future__ import annotations

import io
import json
import random
import shutil
import subprocess
import wave
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from asset_store.media import HEAD_SIZE, AssetKind, sniff


def _pillow(fmt: str, mode: str = "RGB", **options: object) -> Callable[[Path], bytes]:
    def make(_: Path) -> bytes:
        buffer = io.BytesIO()
        Image.new(mode, (8, 6), "red").save(buffer, fmt, **options)
        return buffer.getvalue()

    return make


def _ffmpeg(source: str, *args: str, suffix: str) -> Callable[[Path], bytes]:
    def make(tmp: Path) -> bytes:
        out = tmp / f"out.{suffix}"
        ffmpeg = shutil.which("ffmpeg")
        assert ffmpeg is not None, "ffmpeg is required (Debian package 'ffmpeg')"
        command = [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", source, *args, str(out)]
        subprocess.run(command, check=True, timeout=30, capture_output=True)
        return out.read_bytes()

    return make


def _wav(_: Path) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(b"\x00\x01" * 800)
    return buffer.getvalue()


def _zip(_: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("logo.svg", "<svg/>")
    return buffer.getvalue()


def _const(data: bytes) -> Callable[[Path], bytes]:
    return lambda _: data


_VIDEO = "testsrc=size=32x32:rate=5"
_SINE = "sine=frequency=440:duration=0.3"
_HEIC_FTYP = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 32
_SVG = b'<?xml version="1.0"?>\n<!-- logo -->\n<svg xmlns="http://www.w3.org/2000/svg" width="10"/>'
_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"

CASES: list[tuple[str, Callable[[Path], bytes], str, AssetKind, str]] = [
    ("png", _pillow("PNG", "RGBA"), "image/png", AssetKind.image, "png"),
    ("jpeg", _pillow("JPEG"), "image/jpeg", AssetKind.image, "jpg"),
    ("gif", _pillow("GIF", "P"), "image/gif", AssetKind.image, "gif"),
    ("webp", _pillow("WEBP"), "image/webp", AssetKind.image, "webp"),
    ("bmp", _pillow("BMP"), "image/bmp", AssetKind.image, "bmp"),
    ("tiff", _pillow("TIFF"), "image/tiff", AssetKind.image, "tif"),
    ("tiff-be", _const(b"MM\x00*\x00\x00\x00\x08" + b"\x00" * 16), "image/tiff", AssetKind.image, "tif"),
    ("avif", _pillow("AVIF"), "image/avif", AssetKind.image, "avif"),
    ("heic", _const(_HEIC_FTYP), "image/heic", AssetKind.image, "heic"),
    (
        "mp4",
        _ffmpeg(_VIDEO, "-t", "0.2", "-pix_fmt", "yuv420p", suffix="mp4"),
        "video/mp4",
        AssetKind.video,
        "mp4",
    ),
    ("mov", _ffmpeg(_VIDEO, "-t", "0.2", suffix="mov"), "video/quicktime", AssetKind.video, "mov"),
    ("m4a", _ffmpeg(_SINE, "-c:a", "aac", suffix="m4a"), "audio/mp4", AssetKind.audio, "m4a"),
    (
        "webm",
        _ffmpeg(_VIDEO, "-t", "0.2", "-c:v", "libvpx", suffix="webm"),
        "video/webm",
        AssetKind.video,
        "webm",
    ),
    (
        "mkv",
        _ffmpeg(_VIDEO, "-t", "0.2", "-c:v", "mpeg4", suffix="mkv"),
        "video/x-matroska",
        AssetKind.video,
        "mkv",
    ),
    (
        "avi",
        _ffmpeg(_VIDEO, "-t", "0.2", "-c:v", "mpeg4", suffix="avi"),
        "video/x-msvideo",
        AssetKind.video,
        "avi",
    ),
    ("mp3-id3", _ffmpeg(_SINE, suffix="mp3"), "audio/mpeg", AssetKind.audio, "mp3"),
    (
        "mp3-frame-sync",
        _ffmpeg(_SINE, "-id3v2_version", "0", "-write_xing", "0", suffix="mp3"),
        "audio/mpeg",
        AssetKind.audio,
        "mp3",
    ),
    (
        "aac-adts",
        _ffmpeg(_SINE, "-c:a", "aac", "-f", "adts", suffix="aac"),
        "audio/aac",
        AssetKind.audio,
        "aac",
    ),
    ("ogg", _ffmpeg(_SINE, "-c:a", "libvorbis", suffix="ogg"), "audio/ogg", AssetKind.audio, "ogg"),
    ("flac", _ffmpeg(_SINE, suffix="flac"), "audio/flac", AssetKind.audio, "flac"),
    ("wav", _wav, "audio/wav", AssetKind.audio, "wav"),
    ("zip", _zip, "application/zip", AssetKind.brand_kit, "zip"),
    ("pdf", _const(_PDF), "application/pdf", AssetKind.brand_kit, "pdf"),
    ("json", _const(json.dumps({"name": "Spring"}).encode()), "application/json", AssetKind.template, "json"),
    ("json-bom", _const(b"\xef\xbb\xbf  [1, 2]"), "application/json", AssetKind.template, "json"),
    ("svg", _const(_SVG), "image/svg+xml", AssetKind.image, "svg"),
    ("text", _const("Pain frais — été.\n".encode()), "text/plain", AssetKind.copy, "txt"),
    ("text-bm-prefix", _const(b"BMW of the future: copy"), "text/plain", AssetKind.copy, "txt"),
]


@pytest.mark.parametrize(
    ("name", "make", "content_type", "kind", "extension"), CASES, ids=[c[0] for c in CASES]
)
def test_sniff_detects_real_bytes(
    tmp_path: Path,
    name: str,
    make: Callable[[Path], bytes],
    content_type: str,
    kind: AssetKind,
    extension: str,
) -> None:
    found = sniff(make(tmp_path)[:HEAD_SIZE])
    assert found is not None, name
    assert (found.content_type, found.kind, found.extension) == (content_type, kind, extension)


def test_text_head_cut_inside_a_multibyte_character_is_still_text() -> None:
    text = ("é" * HEAD_SIZE).encode("utf-8")  # two bytes per character
    head = text[: HEAD_SIZE - 1]  # ends on the first byte of a character
    found = sniff(head)
    assert found is not None and found.content_type == "text/plain"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello\x00world",  # NUL: binary, not text
        b"\xff\xfe\xfa garbage \x80\x81",  # not UTF-8, not a known magic number
        random.Random(7).randbytes(4096),
        b"BM\x00\x00",  # too short to be a BMP, and control bytes are not text
    ],
    ids=["empty", "nul", "invalid-utf8", "random", "short-bm"],
)
def test_sniff_returns_none_for_unknown_bytes(data: bytes) -> None:
    assert sniff(data) is None


def test_kinds_that_the_same_bytes_may_be_declared_as() -> None:
    mp4 = sniff(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")
    json_doc = sniff(b'{"colors": []}')
    png = sniff(b"\x89PNG\r\n\x1a\n")
    assert mp4 is not None and mp4.allows(AssetKind.audio) and not mp4.allows(AssetKind.image)
    assert json_doc is not None and json_doc.allows(AssetKind.brand_kit) and json_doc.allows(AssetKind.copy)
    assert png is not None and not png.allows(AssetKind.video)
