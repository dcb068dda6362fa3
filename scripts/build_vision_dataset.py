"""Rebuild eval/datasets/vision from its sources: the hand labels in ``manifest.yaml``, photos bundled in
scikit-image and installed by Debian wallpaper packages, and posters / product shots drawn here with Noto
Sans CJK. Writes ``images/``, ``dups/``, ``labels.jsonl``, ``dups.jsonl`` and ``SOURCES.md``; the output is
deterministic (same sources and Pillow → same bytes).

    apt-get install -y --no-install-recommends fonts-noto-cjk mate-backgrounds \
        lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 plasma-workspace-wallpapers
    .venv/bin/python scripts/build_vision_dataset.py [--out eval/datasets/vision]
"""

from __future__ import annotations

import argparse
import io
import json
import math
import shutil
import subprocess
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT / "eval" / "datasets" / "vision"
FONT_DIR = Path("/usr/share/fonts/opentype/noto")
TRANSFORMS = ("crop80", "crop70-offset", "jpeg30", "flip", "overlay", "resize50")
Font = ImageFont.FreeTypeFont
RGB = tuple[int, int, int]


# ---------------------------------------------------------------------------------------------- sources
def font(size: int, bold: bool = True) -> Font:
    """Noto Sans CJK SC from Debian's fonts-noto-cjk (the .ttc face whose family ends in 'SC')."""
    path = FONT_DIR / f"NotoSansCJK-{'Bold' if bold else 'Regular'}.ttc"
    if not path.is_file():
        sys.exit(f"{path} is missing: apt-get install -y fonts-noto-cjk")
    for index in range(10):
        face = ImageFont.truetype(str(path), size, index=index)
        family = face.getname()[0]
        if family and family.endswith(" SC"):
            return face
    raise SystemExit(f"no Simplified Chinese face in {path}")


def skimage_file(name: str) -> Path:
    import skimage

    path = Path(skimage.__file__).parent / "data" / name
    if not path.is_file():
        sys.exit(f"{name} is not bundled in this scikit-image ({path})")
    return path


def load_source(spec: dict[str, str]) -> Image.Image:
    """An RGB image from ``{skimage: FILE}``, ``{debian: PKG, file: PATH}`` or ``{render: RECIPE}``."""
    if "render" in spec:
        return RENDERS[spec["render"]]()
    if "skimage" in spec:
        path = skimage_file(spec["skimage"])
    else:
        path = Path(spec["file"])
        if not path.is_file():
            sys.exit(f"{path} is missing: apt-get install -y --no-install-recommends {spec['debian']}")
    with Image.open(path) as image:
        image.load()
        if image.mode in ("RGBA", "LA", "P"):
            rgba = image.convert("RGBA")
            return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
        return image.convert("RGB")


def fit(image: Image.Image, long_side: int) -> Image.Image:
    """Longer side at most ``long_side`` (Lanczos), never enlarged."""
    if max(image.size) <= long_side:
        return image
    scale = long_side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def cover(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale and centre-crop ``image`` to fill ``size``."""
    return ImageOps.fit(image, size, Image.Resampling.LANCZOS)


# ---------------------------------------------------------------------------------------------- drawing
def gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    width, height = size
    column = Image.new("RGB", (1, height))
    for y in range(height):
        t = y / max(height - 1, 1)
        column.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    return column.resize((width, height))


def text(
    canvas: Image.Image, y: int, line: str, size: int, fill: RGB, *, bold: bool = True, shadow: bool = True
) -> int:
    """Draw ``line`` centred at height ``y`` (with a soft shadow); returns the y below it."""
    face = font(size, bold)
    draw = ImageDraw.Draw(canvas)
    left, top, right, bottom = draw.textbbox((0, 0), line, font=face)
    x = (canvas.width - (right - left)) // 2 - left
    if shadow:
        layer = Image.new("L", canvas.size, 0)
        ImageDraw.Draw(layer).text((x + 2, y + 2), line, font=face, fill=150)
        canvas.paste((0, 0, 0), mask=layer.filter(ImageFilter.GaussianBlur(2)))
    draw.text((x, y), line, font=face, fill=fill)
    return y + round(bottom - top) + size // 3


def band(canvas: Image.Image, box: tuple[int, int, int, int], colour: RGB, alpha: int) -> None:
    layer = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).rectangle(box, fill=(*colour, alpha))
    canvas.paste(Image.alpha_composite(canvas.convert("RGBA"), layer).convert("RGB"))


def shadow_ellipse(canvas: Image.Image, box: tuple[int, int, int, int]) -> None:
    layer = Image.new("L", canvas.size, 0)
    ImageDraw.Draw(layer).ellipse(box, fill=110)
    canvas.paste((20, 20, 20), mask=layer.filter(ImageFilter.GaussianBlur(8)))


# ---------------------------------------------------------------------------------------------- renders
POSTER = (384, 512)
PRODUCT = (512, 512)


def poster_latte() -> Image.Image:
    canvas = gradient(POSTER, (92, 56, 34), (196, 150, 108))
    draw = ImageDraw.Draw(canvas)
    shadow_ellipse(canvas, (92, 392, 292, 440))
    draw.ellipse((84, 370, 300, 426), fill=(245, 240, 232))  # saucer
    draw.rounded_rectangle((122, 290, 262, 400), 28, fill=(250, 247, 240))  # cup
    draw.ellipse((122, 276, 262, 306), fill=(150, 96, 56))  # coffee
    draw.ellipse((170, 284, 214, 298), fill=(232, 208, 176))  # latte art
    draw.arc((248, 312, 296, 362), -90, 90, fill=(250, 247, 240), width=10)  # handle
    for dx in (-24, 0, 24):
        draw.arc((176 + dx, 214, 204 + dx, 270), 100, 260, fill=(255, 250, 240), width=4)
    y = text(canvas, 40, "秋季限定", 58, (255, 244, 220))
    y = text(canvas, y + 4, "醇香拿铁 第二杯半价", 28, (255, 255, 255))
    text(canvas, 462, "Autumn Latte", 22, (255, 244, 220), bold=False)
    return canvas


def poster_beach() -> Image.Image:
    photo = load_source(
        {
            "debian": "plasma-workspace-wallpapers",
            "file": "/usr/share/wallpapers/Volna/contents/images/5120x2880.jpg",
        }
    )
    canvas = cover(photo, POSTER)
    band(canvas, (0, 28, POSTER[0], 172), (0, 60, 110), 120)
    y = text(canvas, 40, "夏日海边", 60, (255, 255, 255))
    text(canvas, y, "清凉一夏 全场8折", 30, (255, 236, 150))
    text(canvas, 456, "Summer by the sea", 26, (255, 255, 255))
    return canvas


def poster_mooncake() -> Image.Image:
    moon = ImageOps.colorize(load_source({"skimage": "moon.png"}).convert("L"), (20, 24, 60), (240, 200, 120))
    canvas = cover(moon, POSTER)
    draw = ImageDraw.Draw(canvas)
    for cx in (124, 260):
        draw.ellipse((cx - 62, 300, cx + 62, 424), fill=(196, 128, 48), outline=(120, 70, 20), width=4)
        draw.ellipse((cx - 38, 324, cx + 38, 400), outline=(240, 196, 120), width=4)
    y = text(canvas, 36, "中秋佳节", 60, (255, 226, 150))
    y = text(canvas, y, "月饼礼盒 团圆好礼", 30, (255, 255, 255))
    text(canvas, 448, "Mid-Autumn Mooncakes", 22, (255, 226, 150), bold=False)
    return canvas


def poster_new_year() -> Image.Image:
    canvas = gradient(POSTER, (200, 16, 24), (120, 4, 12))
    draw = ImageDraw.Draw(canvas)
    for cx in (70, 314):
        draw.line((cx, 0, cx, 40), fill=(250, 200, 80), width=3)
        draw.ellipse((cx - 36, 40, cx + 36, 110), fill=(236, 40, 30), outline=(250, 200, 80), width=4)
        draw.rectangle((cx - 12, 110, cx + 12, 124), fill=(250, 200, 80))
    y = text(canvas, 170, "新年快乐", 66, (255, 214, 90))
    y = text(canvas, y + 8, "2026 马年大吉", 36, (255, 236, 180))
    text(canvas, y + 40, "Happy New Year", 30, (255, 214, 90), bold=False)
    return canvas


def _sale(top: RGB, bottom: RGB, accent: RGB) -> Image.Image:
    canvas = gradient(POSTER, top, bottom)
    draw = ImageDraw.Draw(canvas)
    draw.ellipse((-80, 300, 200, 580), fill=accent)
    draw.ellipse((250, -60, 460, 150), fill=accent)
    y = text(canvas, 150, "SUMMER", 64, (255, 255, 255))
    y = text(canvas, y, "SALE", 80, (255, 255, 255))
    y = text(canvas, y + 10, "UP TO 50% OFF", 32, (255, 240, 120))
    text(canvas, y + 10, "夏季大促 全场五折起", 28, (255, 255, 255))
    return canvas


def poster_sale() -> Image.Image:
    return _sale((236, 72, 140), (120, 40, 200), (250, 120, 170))


def poster_sale_teal() -> Image.Image:
    return _sale((20, 170, 160), (20, 80, 140), (60, 200, 190))


def poster_hiking() -> Image.Image:
    photo = load_source(
        {
            "debian": "plasma-workspace-wallpapers",
            "file": "/usr/share/wallpapers/Altai/contents/images/1080x1920.png",
        }
    )
    canvas = cover(photo, POSTER)
    band(canvas, (0, 300, POSTER[0], 470), (10, 40, 60), 150)
    y = text(canvas, 314, "登山季", 60, (255, 255, 255))
    y = text(canvas, y, "户外装备 8折起", 32, (255, 220, 90))
    text(canvas, y, "Hiking season sale", 22, (255, 255, 255), bold=False)
    return canvas


def poster_tea() -> Image.Image:
    canvas = gradient(POSTER, (226, 240, 214), (120, 170, 100))
    draw = ImageDraw.Draw(canvas)
    draw.ellipse((112, 300, 272, 430), fill=(250, 250, 244), outline=(90, 120, 80), width=3)  # teapot body
    draw.rounded_rectangle((164, 282, 220, 306), 8, fill=(90, 120, 80))  # lid
    draw.polygon([(266, 352), (326, 316), (332, 326), (274, 378)], fill=(250, 250, 244))  # spout
    draw.arc((70, 320, 140, 400), 90, 270, fill=(90, 120, 80), width=10)  # handle
    for i in range(5):  # leaves
        x = 40 + i * 72
        draw.ellipse((x, 452, x + 40, 472), fill=(70, 130, 60))
    y = text(canvas, 46, "新茶上市", 60, (40, 80, 40), shadow=False)
    y = text(canvas, y, "明前龙井 春茶限量", 30, (60, 100, 50), shadow=False)
    text(canvas, y, "Spring Tea", 24, (60, 100, 50), bold=False, shadow=False)
    return canvas


def poster_flowers() -> Image.Image:
    canvas = gradient(POSTER, (255, 228, 236), (246, 160, 190))
    draw = ImageDraw.Draw(canvas)
    for cx, cy, colour in (
        (130, 330, (230, 60, 90)),
        (200, 300, (250, 120, 150)),
        (262, 344, (236, 80, 120)),
    ):
        draw.line((cx, cy, 192, 470), fill=(60, 130, 60), width=5)
        for k in range(6):
            a = k * math.pi / 3
            px, py = cx + 24 * math.cos(a), cy + 24 * math.sin(a)
            draw.ellipse((px - 18, py - 18, px + 18, py + 18), fill=colour)
        draw.ellipse((cx - 12, cy - 12, cx + 12, cy + 12), fill=(255, 220, 90))
    y = text(canvas, 44, "母亲节", 62, (180, 30, 70), shadow=False)
    y = text(canvas, y, "鲜花速递 爱要说出来", 30, (150, 30, 70), shadow=False)
    text(canvas, y, "Mother's Day Flowers", 22, (150, 30, 70), bold=False, shadow=False)
    return canvas


def poster_furniture() -> Image.Image:
    wood = load_source({"debian": "mate-backgrounds", "file": "/usr/share/backgrounds/mate/nature/Wood.jpg"})
    canvas = cover(wood.crop((0, 0, wood.width // 2, wood.height)).rotate(90, expand=True), POSTER)
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((92, 300, 292, 318), fill=(120, 78, 40))  # table top
    for x in (104, 270):
        draw.rectangle((x, 318, x + 12, 430), fill=(100, 64, 32))
    draw.rounded_rectangle((150, 250, 234, 300), 10, fill=(230, 230, 226))  # vase-like box
    band(canvas, (0, 32, POSTER[0], 190), (60, 40, 20), 150)
    y = text(canvas, 44, "原木家具", 58, (255, 240, 210))
    y = text(canvas, y, "新品上市 实木餐桌", 30, (255, 255, 255))
    text(canvas, y, "Solid wood furniture", 22, (255, 240, 210), bold=False)
    return canvas


def product_serum() -> Image.Image:
    canvas = gradient(PRODUCT, (236, 244, 250), (190, 214, 236))
    draw = ImageDraw.Draw(canvas)
    shadow_ellipse(canvas, (176, 420, 336, 456))
    draw.rounded_rectangle((196, 230, 316, 436), 22, fill=(150, 200, 230), outline=(90, 140, 180), width=3)
    draw.rectangle((232, 186, 280, 232), fill=(40, 50, 70))  # collar
    draw.ellipse((226, 120, 286, 196), fill=(30, 36, 50))  # bulb
    draw.rectangle((206, 300, 306, 376), fill=(250, 252, 255))  # label
    text(canvas, 312, "精华", 26, (40, 70, 110), shadow=False)
    y = text(canvas, 36, "水润保湿精华", 40, (40, 70, 110), shadow=False)
    text(canvas, y, "HYDRA SERUM", 26, (60, 100, 140), bold=False, shadow=False)
    return canvas


def product_lipstick() -> Image.Image:
    canvas = gradient(PRODUCT, (252, 226, 230), (236, 170, 184))
    draw = ImageDraw.Draw(canvas)
    shadow_ellipse(canvas, (190, 432, 330, 462))
    draw.rectangle((214, 300, 302, 446), fill=(30, 30, 34))  # case
    draw.rectangle((214, 290, 302, 304), fill=(212, 175, 90))  # gold ring
    draw.rectangle((226, 214, 290, 292), fill=(212, 175, 90))  # inner tube
    draw.polygon([(232, 214), (284, 214), (284, 150), (232, 178)], fill=(176, 20, 48))  # bullet
    y = text(canvas, 36, "丝绒哑光口红", 40, (140, 20, 50), shadow=False)
    text(canvas, y, "Velvet Matte Lipstick", 26, (140, 20, 50), bold=False, shadow=False)
    return canvas


def product_phone() -> Image.Image:
    canvas = gradient(PRODUCT, (24, 26, 40), (70, 76, 110))
    draw = ImageDraw.Draw(canvas)
    draw.rounded_rectangle((176, 150, 336, 470), 26, fill=(12, 12, 16), outline=(150, 150, 170), width=3)
    screen = gradient((140, 296), (60, 120, 240), (200, 80, 200))
    mask = Image.new("L", screen.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, 139, 295), 18, fill=255)
    canvas.paste(screen, (186, 162), mask)
    draw.ellipse((250, 170, 262, 182), fill=(12, 12, 16))  # camera hole
    y = text(canvas, 30, "全新旗舰手机", 42, (255, 255, 255))
    text(canvas, y, "发布会 9月20日 New phone launch", 22, (200, 210, 255), bold=False)
    return canvas


def product_perfume() -> Image.Image:
    canvas = gradient(PRODUCT, (246, 238, 226), (220, 200, 176))
    draw = ImageDraw.Draw(canvas)
    shadow_ellipse(canvas, (170, 430, 342, 462))
    draw.rounded_rectangle((176, 250, 336, 446), 18, fill=(236, 196, 120), outline=(170, 130, 70), width=3)
    draw.rectangle((230, 210, 282, 252), fill=(60, 40, 30))  # cap
    draw.rectangle((192, 262, 214, 430), fill=(250, 232, 190))  # highlight
    y = text(canvas, 36, "东方香氛", 44, (110, 70, 40), shadow=False)
    y = text(canvas, y, "Eau de Parfum", 28, (110, 70, 40), bold=False, shadow=False)
    text(canvas, y, "淡香水 50ml", 24, (110, 70, 40), bold=False, shadow=False)
    return canvas


RENDERS: dict[str, Callable[[], Image.Image]] = {
    f.__name__: f
    for f in (
        poster_latte,
        poster_beach,
        poster_mooncake,
        poster_new_year,
        poster_sale,
        poster_sale_teal,
        poster_hiking,
        poster_tea,
        poster_flowers,
        poster_furniture,
        product_serum,
        product_lipstick,
        product_phone,
        product_perfume,
    )
}


# ---------------------------------------------------------------------------------------------- transforms
def _crop(image: Image.Image, fraction: float, fx: float, fy: float) -> Image.Image:
    """A ``fraction`` crop whose left/top margin is ``fx``/``fy`` of the width/height."""
    w, h = image.size
    left, top = round(w * fx), round(h * fy)
    return image.crop((left, top, left + round(w * fraction), top + round(h * fraction)))


def overlay(image: Image.Image) -> Image.Image:
    """A caption band over the lower fifth and a corner watermark, as a reposted copy would carry."""
    out = image.copy()
    w, h = out.size
    band(out, (0, round(h * 0.78), w, round(h * 0.96)), (0, 0, 0), 140)
    size = max(14, h // 16)
    face = font(size)
    draw = ImageDraw.Draw(out)
    draw.text((w // 2, round(h * 0.87)), "限时特惠 LIMITED OFFER", font=face, fill="white", anchor="mm")
    draw.text((w - 8, 8), "© Atelier", font=font(max(10, h // 28), False), fill=(255, 255, 255), anchor="ra")
    return out


def transform(image: Image.Image, name: str, index: int) -> tuple[Image.Image, int]:
    """One transformed copy and the JPEG quality to save it with."""
    if name == "crop80":
        return _crop(image, 0.8, 0.1, 0.1), 85
    if name == "crop70-offset":
        fx, fy = [(0.05, 0.05), (0.25, 0.05), (0.05, 0.25), (0.25, 0.25)][index % 4]
        return _crop(image, 0.7, fx, fy), 85
    if name == "jpeg30":
        return image, 30
    if name == "flip":
        return ImageOps.mirror(image), 85
    if name == "overlay":
        return overlay(image), 85
    if name == "resize50":
        return image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS), 85
    raise ValueError(f"unknown transform {name!r}")


# ---------------------------------------------------------------------------------------------- build
def save_jpeg(image: Image.Image, path: Path, quality: int) -> None:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True)
    path.write_bytes(buffer.getvalue())


def _sources_md(manifest: dict[str, Any]) -> str:
    lines = [
        "# Sources of the vision eval set",
        "",
        "Generated by `scripts/build_vision_dataset.py` from `manifest.yaml`. Photos are resized to at most "
        f"{manifest['long_side']} px on the longer side and stored as JPEG q{manifest['jpeg_quality']}; "
        "renders are drawn by the script with Noto Sans CJK SC (Debian `fonts-noto-cjk`, OFL-1.1).",
        "",
        "| file | source | author | licence |",
        "|---|---|---|---|",
    ]
    for role, items in (("images", manifest["images"]), ("dups", manifest["distractors"])):
        for item in items:
            spec = item["from"]
            if "skimage" in spec:
                origin = f"scikit-image `skimage/data/{spec['skimage']}`"
            elif "debian" in spec:
                origin = f"Debian `{spec['debian']}` `{spec['file']}`"
            else:
                origin = f"render `{spec['render']}`"
            stem = item["name"] if role == "images" else f"distractor_{item['name']}"
            lines.append(f"| {role}/{stem}.jpg | {origin} | {item['author']} | {item['licence']} |")
    lines += ["", "Built from these package versions:", ""]
    lines += [f"- `{name}` {version}" for name, version in _versions(manifest).items()]
    lines += [
        "",
        "Files under `dups/` other than `distractor_*` are transformed copies of the images above (same "
        "source and licence): crop80, crop70-offset, jpeg30, flip, overlay (caption band + watermark), "
        "resize50.",
        "",
    ]
    return "\n".join(lines)


def _versions(manifest: dict[str, Any]) -> dict[str, str]:
    """Installed versions of scikit-image and of the Debian packages the manifest names (and the font)."""
    packages = {"fonts-noto-cjk"} | {
        item["from"]["debian"]
        for item in manifest["images"] + manifest["distractors"]
        if "debian" in item["from"]
    }
    out = {"scikit-image (PyPI)": metadata.version("scikit-image")}
    for name in sorted(packages):
        found = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Version}", name], capture_output=True, text=True, check=False
        )
        out[name] = found.stdout.strip() or "not installed"
    return out


def build(out: Path, manifest_path: Path) -> dict[str, int]:
    manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    long_side, quality = int(manifest["long_side"]), int(manifest["jpeg_quality"])
    for folder in ("images", "dups"):
        shutil.rmtree(out / folder, ignore_errors=True)
        (out / folder).mkdir(parents=True)
    labels: list[dict[str, Any]] = []
    dups: list[dict[str, Any]] = []
    originals = 0
    for item in manifest["images"]:
        image = fit(load_source(item["from"]), long_side)
        rel = f"images/{item['name']}.jpg"
        save_jpeg(image, out / rel, quality)
        labels.append(
            {"image": rel, "queries_zh": item["zh"], "queries_en": item["en"], "tags": item["tags"]}
        )
        if not item.get("dups"):
            continue
        library = Image.open(out / rel).convert("RGB")  # transform what the library holds
        for name in TRANSFORMS:
            copy, q = transform(library, name, originals)
            query = f"dups/{item['name']}_{name}.jpg"
            save_jpeg(copy, out / query, q)
            dups.append({"query": query, "original": rel, "transform": name})
        originals += 1
    for item in manifest["distractors"]:
        query = f"dups/distractor_{item['name']}.jpg"
        save_jpeg(fit(load_source(item["from"]), long_side), out / query, quality)
        dups.append({"query": query, "original": None, "transform": "distractor", "note": item["note"]})
    for name, rows in (("labels.jsonl", labels), ("dups.jsonl", dups)):
        body = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        (out / name).write_text(body, encoding="utf-8")
    (out / "SOURCES.md").write_text(_sources_md(manifest), encoding="utf-8")
    return {"images": len(labels), "dup_originals": originals, "dup_queries": len(dups)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATASET, help="dataset folder (default: %(default)s)")
    parser.add_argument("--manifest", type=Path, default=None, help="default: OUT/manifest.yaml")
    args = parser.parse_args()
    counts = build(args.out, args.manifest or args.out / "manifest.yaml")
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(json.dumps({**counts, "bytes": size}))


if __name__ == "__main__":
    main()
