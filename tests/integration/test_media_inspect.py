"""Upload validation and previews against real files made at test time with Pillow, ffmpeg and zipfile."""

from __future__ import annotations

import io
import random
import shutil
import struct
import subprocess
import warnings
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from asset_store.errors import AssetStoreError, AssetTooLarge, InvalidAsset, MissingDependency
from asset_store.media import AssetKind, MediaInfo, SizeLimits, inspect_file, make_previews

LIMITS = SizeLimits()
RED, BLUE = (255, 0, 0), (0, 0, 255)


def _ffmpeg(out: Path, *args: str) -> Path:
    binary = shutil.which("ffmpeg")
    assert binary is not None, "ffmpeg is required (Debian package 'ffmpeg')"
    subprocess.run(
        [binary, "-v", "error", "-y", *args, str(out)], check=True, timeout=60, capture_output=True
    )
    return out


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _save(path: Path, image: Image.Image, fmt: str, **options: object) -> Path:
    image.save(path, fmt, **options)
    return path


def _rotated_jpeg(path: Path) -> Path:
    """Stored 80x40, red left half and blue right half; EXIF orientation 6 shows it 40x80, red on top."""
    image = Image.new("RGB", (80, 40), BLUE)
    image.paste(RED, (0, 0, 40, 40))
    exif = Image.Exif()
    exif[0x0112] = 6
    return _save(path, image, "JPEG", exif=exif.tobytes(), quality=95)


def _png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose IHDR claims width x height but whose data is tiny: a decompression bomb's header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
    return _write(path, data + chunk(b"IEND", b""))


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _code(exc: pytest.ExceptionInfo[AssetStoreError]) -> str:
    return exc.value.code


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real media made once per module: MP4s (plain, faststart, with audio, anamorphic), WAV, MP3."""
    tmp = tmp_path_factory.mktemp("media")
    video = ["-f", "lavfi", "-i", "testsrc=size=64x64:rate=10"]
    sine = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1"]
    h264 = ["-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast"]
    return {
        "mp4": _ffmpeg(tmp / "clip.mp4", *video, "-t", "1", *h264),
        "mp4_faststart": _ffmpeg(tmp / "fs.mp4", *video, "-t", "6", *h264, "-movflags", "+faststart"),
        "mp4_audio": _ffmpeg(tmp / "av.mp4", *video, *sine, "-t", "1", *h264, "-c:a", "aac", "-shortest"),
        "mp4_anamorphic": _ffmpeg(tmp / "ana.mp4", *video, "-t", "1", *h264, "-vf", "setsar=2"),
        "m4_audio_only": _ffmpeg(tmp / "sound.mp4", *sine, "-c:a", "aac", "-f", "mp4"),
        "webm": _ffmpeg(tmp / "clip.webm", *video, "-t", "6", "-c:v", "libvpx", "-b:v", "200k"),
        "wav": _ffmpeg(tmp / "tone.wav", *sine),
        "mp3": _ffmpeg(tmp / "tone.mp3", *sine, "-c:a", "libmp3lame"),
    }


# --- valid uploads -------------------------------------------------------------------------------------


def test_png_with_alpha(tmp_path: Path) -> None:
    path = _save(tmp_path / "a.png", Image.new("RGBA", (30, 20), (0, 128, 0, 100)), "PNG")
    info = inspect_file(path, declared_kind=AssetKind.image, declared_content_type="image/png", limits=LIMITS)
    assert (info.kind, info.content_type, info.extension) == (AssetKind.image, "image/png", "png")
    assert (info.width, info.height, info.size) == (30, 20, path.stat().st_size)
    assert info.extra["has_alpha"] is True


def test_exif_rotated_jpeg_reports_display_size_and_alias_content_type(tmp_path: Path) -> None:
    info = inspect_file(_rotated_jpeg(tmp_path / "r.jpg"), declared_content_type="image/jpg", limits=LIMITS)
    assert (info.content_type, info.width, info.height) == ("image/jpeg", 40, 80)
    assert info.extra["orientation"] == 6 and info.extra["stored_size"] == [80, 40]


def test_mp4_video(media: dict[str, Path]) -> None:
    info = inspect_file(
        media["mp4"], declared_kind=AssetKind.video, declared_content_type="video/mp4", limits=LIMITS
    )
    assert (info.kind, info.width, info.height, info.fps) == (AssetKind.video, 64, 64, 10.0)
    assert info.duration_s == pytest.approx(1.0, abs=0.05)
    assert (info.video_codec, info.has_audio, info.audio_codec) == ("h264", False, None)


def test_mp4_with_sound_and_anamorphic_pixels(media: dict[str, Path]) -> None:
    with_sound = inspect_file(media["mp4_audio"], limits=LIMITS)
    assert (with_sound.has_audio, with_sound.audio_codec) == (True, "aac")
    anamorphic = inspect_file(media["mp4_anamorphic"], limits=LIMITS)
    assert (anamorphic.width, anamorphic.height) == (128, 64)


@pytest.mark.parametrize(
    ("name", "content_type", "codec"), [("wav", "audio/wav", "pcm_s16le"), ("mp3", "audio/mpeg", "mp3")]
)
def test_audio(media: dict[str, Path], name: str, content_type: str, codec: str) -> None:
    info = inspect_file(media[name], declared_kind=AssetKind.audio, limits=LIMITS)
    assert (info.kind, info.content_type, info.audio_codec, info.has_audio) == (
        AssetKind.audio,
        content_type,
        codec,
        True,
    )
    assert info.duration_s == pytest.approx(1.0, abs=0.1)


def test_undeclared_mp4_with_only_sound_is_audio(media: dict[str, Path]) -> None:
    assert inspect_file(media["m4_audio_only"], limits=LIMITS).kind is AssetKind.audio
    with pytest.raises(InvalidAsset) as exc:
        inspect_file(media["m4_audio_only"], declared_kind=AssetKind.video, limits=LIMITS)
    assert _code(exc) == "corrupt_file"  # declared video, but there is no video stream


def test_copy_markdown_template_and_brand_kits(tmp_path: Path) -> None:
    copy = inspect_file(
        _write(tmp_path / "c.md", "# Été\nFresh bread.\n".encode()),
        declared_content_type="text/markdown",
        limits=LIMITS,
    )
    assert (copy.kind, copy.content_type, copy.extension, copy.char_count) == (
        AssetKind.copy,
        "text/markdown",
        "md",
        19,
    )
    template = inspect_file(_write(tmp_path / "t.json", b'{"layers": []}'), limits=LIMITS)
    assert (template.kind, template.extra["keys"]) == (AssetKind.template, ["layers"])
    yaml_kit = _write(tmp_path / "k.yaml", b"name: Spring\ncolors: [red, blue]\n")
    kit = inspect_file(
        yaml_kit, declared_kind=AssetKind.brand_kit, declared_content_type="application/yaml", limits=LIMITS
    )
    assert kit.extra == {"format": "yaml", "keys": ["colors", "name"]}
    archive = _zip(tmp_path / "k.zip", {"logo.svg": b"<svg/>", "fonts/a.txt": b"x" * 100})
    zipped = inspect_file(archive, declared_kind=AssetKind.brand_kit, limits=LIMITS)
    assert zipped.extra["members"] == 2 and zipped.extra["uncompressed_size"] == 106


def test_svg_image_and_template(tmp_path: Path) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 60"><rect width="1" height="1"/></svg>'
    path = _write(tmp_path / "logo.svg", svg)
    image = inspect_file(path, declared_content_type="image/svg+xml", limits=LIMITS)
    assert (image.kind, image.width, image.height) == (AssetKind.image, 120, 60)
    assert inspect_file(path, declared_kind=AssetKind.template, limits=LIMITS).kind is AssetKind.template
    assert make_previews(path, image) == []


# --- refusals ------------------------------------------------------------------------------------------


def _refused(
    path: Path,
    code: str,
    *,
    kind: AssetKind | None = None,
    ctype: str | None = None,
    limits: SizeLimits = LIMITS,
) -> AssetStoreError:
    with pytest.raises((InvalidAsset, AssetTooLarge)) as exc:
        inspect_file(path, declared_kind=kind, declared_content_type=ctype, limits=limits)
    assert exc.value.code == code, exc.value.message
    return exc.value


def test_empty_random_and_truncated_png(tmp_path: Path) -> None:
    _refused(_write(tmp_path / "empty.png", b""), "empty_file")
    _refused(
        _write(tmp_path / "noise.jpg", random.Random(3).randbytes(4096)), "unknown_type", ctype="image/jpeg"
    )
    noise = Image.frombytes("RGB", (64, 64), random.Random(1).randbytes(64 * 64 * 3))
    whole = _save(tmp_path / "n.png", noise, "PNG").read_bytes()
    _refused(_write(tmp_path / "half.png", whole[: len(whole) // 2]), "corrupt_file")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_declarations_that_disagree_with_the_bytes(tmp_path: Path) -> None:
    png = _save(tmp_path / "a.png", Image.new("RGB", (4, 4)), "PNG")
    error = _refused(png, "type_mismatch", kind=AssetKind.video)
    assert error.details == {"declared": "video", "detected": "image"}
    assert _refused(png, "type_mismatch", ctype="video/mp4").details == {
        "declared": "video/mp4",
        "detected": "image/png",
    }
    _refused(_write(tmp_path / "t.txt", b"just words"), "type_mismatch", kind=AssetKind.image)
    _refused(_write(tmp_path / "p.html", b"<p>hi</p>"), "type_mismatch", ctype="text/html")
    assert (
        inspect_file(png, declared_content_type="application/octet-stream", limits=LIMITS).kind
        is AssetKind.image
    )


def test_decompression_bombs(tmp_path: Path) -> None:
    _refused(_png_header_only(tmp_path / "huge.png", 30000, 30000), "decompression_bomb")
    big = _save(tmp_path / "big.png", Image.new("1", (2000, 2000)), "PNG")
    assert big.stat().st_size < 10_000
    _refused(big, "decompression_bomb", limits=SizeLimits(max_image_pixels=1_000_000))
    assert inspect_file(big, limits=LIMITS).width == 2000


def test_pixel_guard_leaves_global_warning_state_alone_under_threads(tmp_path: Path) -> None:
    path = _save(tmp_path / "a.png", Image.new("RGB", (8, 8)), "PNG")
    filters_before = list(warnings.filters)
    with ThreadPoolExecutor(max_workers=8) as pool:
        infos = list(pool.map(lambda _: inspect_file(path, limits=LIMITS), range(32)))
    assert {info.width for info in infos} == {8}
    assert warnings.filters == filters_before
    assert Image.MAX_IMAGE_PIXELS == int(1024 * 1024 * 1024 // 4 // 3)


def test_truncated_videos(tmp_path: Path, media: dict[str, Path]) -> None:
    data = media["mp4"].read_bytes()  # moov at the end: ffprobe itself fails
    _refused(_write(tmp_path / "half.mp4", data[: len(data) // 2]), "corrupt_file", kind=AssetKind.video)
    for name in ("mp4_faststart", "webm"):  # header intact, media data cut: the tail decode notices
        data = media[name].read_bytes()
        cut = _write(tmp_path / f"cut-{media[name].name}", data[: int(len(data) * 0.85)])
        error = _refused(cut, "corrupt_file", kind=AssetKind.video)
        assert error.details["window_start_s"] == pytest.approx(4.0)  # caught by the tail window
        assert inspect_file(media[name], limits=LIMITS).duration_s == pytest.approx(6.0, abs=0.1)


def test_video_longer_than_allowed(media: dict[str, Path]) -> None:
    error = _refused(media["mp4"], "asset_too_large", limits=SizeLimits(max_video_seconds=0.5))
    assert isinstance(error, AssetTooLarge) and error.details["max_video_seconds"] == 0.5


def test_size_limits_per_kind(tmp_path: Path) -> None:
    png = _save(tmp_path / "a.png", Image.new("RGB", (16, 16)), "PNG")
    small = SizeLimits(image=50, copy=5)
    assert isinstance(_refused(png, "asset_too_large", limits=small), AssetTooLarge)
    _refused(png, "asset_too_large", kind=AssetKind.image, limits=small)
    _refused(
        _write(tmp_path / "c.txt", b"more than five"), "asset_too_large", kind=AssetKind.copy, limits=small
    )


def test_invalid_copy_and_documents(tmp_path: Path) -> None:
    _refused(_write(tmp_path / "latin1.txt", "café".encode("latin-1")), "invalid_text", kind=AssetKind.copy)
    late = b"a" * 10_000 + b"\xff"  # past the sniffed head
    _refused(_write(tmp_path / "late.txt", late), "invalid_text", kind=AssetKind.copy)
    _refused(_write(tmp_path / "nul.txt", b"abc\x00def"), "invalid_text", kind=AssetKind.copy)
    _refused(_write(tmp_path / "t.json", b"[1, 2]"), "invalid_template", kind=AssetKind.template)
    _refused(_write(tmp_path / "b.json", b'{"a": '), "invalid_template")
    xxe = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>'
    _refused(_write(tmp_path / "x.svg", xxe), "invalid_template", kind=AssetKind.template)
    laughs = b"a: &a [x, x]\nb: [*a, *a]\n"
    _refused(_write(tmp_path / "l.yaml", laughs), "invalid_brand_kit", kind=AssetKind.brand_kit)


@pytest.mark.parametrize("name", ["../evil", "/etc/evil", "ok/../../evil", "C:\\evil"])
def test_zip_with_unsafe_member_name(tmp_path: Path, name: str) -> None:
    archive = _zip(tmp_path / "k.zip", {"logo.svg": b"<svg/>", name: b"boom"})
    assert _refused(archive, "invalid_brand_kit", kind=AssetKind.brand_kit).details == {"member": name}


def test_zip_bomb(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "bomb.zip", {"zeros.bin": b"\x00" * 4_000_000})
    assert archive.stat().st_size < 10_000
    _refused(archive, "decompression_bomb", kind=AssetKind.brand_kit)
    _refused(
        archive, "decompression_bomb", limits=SizeLimits(max_archive_bytes=1_000_000, max_archive_ratio=1e6)
    )
    corrupt = bytearray(_zip(tmp_path / "ok.zip", {"a.txt": b"hello " * 100}).read_bytes())
    corrupt[40] ^= 0xFF  # inside the deflated data of the only member
    _refused(_write(tmp_path / "bad.zip", bytes(corrupt)), "corrupt_file")


def test_missing_and_overridden_ffprobe(
    tmp_path: Path, media: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATELIER_FFPROBE", str(tmp_path / "no-ffprobe"))
    with pytest.raises(MissingDependency, match="Debian package 'ffmpeg'"):
        inspect_file(media["mp4"], limits=LIMITS)
    monkeypatch.setenv("ATELIER_FFPROBE", str(shutil.which("ffprobe")))
    assert inspect_file(media["mp4"], limits=LIMITS).kind is AssetKind.video


def test_heic_needs_a_decoder(tmp_path: Path) -> None:
    heic = _write(tmp_path / "a.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)
    with pytest.raises(MissingDependency, match="pillow-heif"):
        inspect_file(heic, limits=LIMITS)


# --- previews ------------------------------------------------------------------------------------------


def _decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _inspect(path: Path) -> MediaInfo:
    return inspect_file(path, limits=LIMITS)


def test_image_thumbnail_keeps_aspect_and_alpha(tmp_path: Path) -> None:
    path = _save(tmp_path / "a.png", Image.new("RGBA", (300, 150), (0, 0, 255, 64)), "PNG")
    [thumb] = make_previews(path, _inspect(path), max_side=64)
    image = _decoded(thumb.data)
    assert (thumb.role, thumb.content_type, thumb.width, thumb.height) == ("thumbnail", "image/webp", 64, 32)
    assert (image.format, image.size, image.mode) == ("WEBP", (64, 32), "RGBA")
    palette = _save(tmp_path / "p.gif", Image.new("P", (20, 10), 0), "GIF", transparency=0)
    assert _decoded(make_previews(palette, _inspect(palette))[0].data).mode == "RGBA"


def test_image_thumbnail_applies_exif_orientation(tmp_path: Path) -> None:
    path = _rotated_jpeg(tmp_path / "r.jpg")
    [thumb] = make_previews(path, _inspect(path), max_side=40)
    image = _decoded(thumb.data).convert("RGB")
    assert image.size == (20, 40)
    top, bottom = image.getpixel((10, 5)), image.getpixel((10, 35))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60, top  # red on top once rotated
    assert bottom[2] > 200 and bottom[0] < 60, bottom


@pytest.mark.parametrize(
    ("name", "poster_size", "thumb_size"),
    [("mp4", (64, 64), (32, 32)), ("mp4_anamorphic", (128, 64), (32, 16))],
)
def test_video_poster_and_thumbnail(
    media: dict[str, Path], name: str, poster_size: tuple[int, int], thumb_size: tuple[int, int]
) -> None:
    info = _inspect(media[name])
    poster, thumb = make_previews(media[name], info, max_side=32)
    assert (poster.role, thumb.role) == ("poster", "thumbnail")
    assert _decoded(poster.data).size == poster_size == (poster.width, poster.height)
    assert _decoded(thumb.data).size == thumb_size == (thumb.width, thumb.height)
    assert poster_size[0] / poster_size[1] == (info.width or 0) / (info.height or 1)


def test_no_previews_for_other_kinds(tmp_path: Path, media: dict[str, Path]) -> None:
    copy = _write(tmp_path / "c.txt", b"words")
    assert make_previews(copy, _inspect(copy)) == []
    assert make_previews(media["wav"], _inspect(media["wav"])) == []
