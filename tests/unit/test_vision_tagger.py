"""The tagger over the fake encoder: batching, tags from labels, portrait from faces, bad bytes fail alone,
and the cheap 'likely has text' guess."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pytest
import skimage.data
from PIL import Image, ImageDraw, ImageFont

from pipelines.vision.config import VisionConfig
from pipelines.vision.fake import FakeImageEncoder
from pipelines.vision.protocol import ImageDecodeError, Vectors
from pipelines.vision.tagger import ImageTagger, likely_has_text
from pipelines.vision.types import Label

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


class CountingEncoder(FakeImageEncoder):
    """Counts encoder calls and batch sizes."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[int] = []

    def encode_and_classify(
        self, images: Sequence[Image.Image], top_k: int = 5
    ) -> tuple[Vectors, list[list[Label]]]:
        self.calls.append(len(images))
        return super().encode_and_classify(images, top_k)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(FONT, size)
    except OSError:
        return ImageFont.load_default(size)


def test_one_encoder_call_per_batch() -> None:
    encoder = CountingEncoder()
    tagger = ImageTagger(encoder, batch_size=2, faces=False)
    results = tagger.analyse([Image.new("RGB", (40, 40), "blue")] * 5)
    assert encoder.calls == [2, 2, 1]
    assert len(results) == 5 and all(r.encoder == "fake-colour-grid" for r in results)


def test_analysis_of_a_brown_image() -> None:
    (result,) = ImageTagger(FakeImageEncoder(), top_k=3).analyse(
        [Image.new("RGB", (400, 400), (120, 70, 30))]
    )
    assert [label.name for label in result.labels] == ["espresso"]
    assert [tag.id for tag in result.tags] == ["food_beverage/coffee", "food_beverage"]
    assert result.colours[0].name_en == "brown"
    assert len(result.embedding) == 192
    assert np.linalg.norm(result.embedding) == pytest.approx(1.0, abs=1e-5)
    assert result.faces == [] and result.ocr_text is None and not result.likely_has_text
    assert "blurry" in result.quality.flags  # a flat image


def test_faces_add_the_portrait_tag() -> None:
    astronaut = Image.fromarray(skimage.data.astronaut())
    (with_faces,) = ImageTagger(FakeImageEncoder()).analyse([astronaut])
    assert len(with_faces.faces) == 1
    portrait = [tag for tag in with_faces.tags if tag.id == "portrait"]
    assert portrait and portrait[0].zh == "人像" and portrait[0].score == with_faces.faces[0].score
    assert [t.score for t in with_faces.tags] == sorted((t.score for t in with_faces.tags), reverse=True)
    (without,) = ImageTagger(FakeImageEncoder(), faces=False).analyse([astronaut])
    assert without.faces == [] and "portrait" not in [t.id for t in without.tags]


def test_bad_bytes_fail_alone() -> None:
    good = _png(Image.new("RGB", (50, 50), "red"))
    results = ImageTagger(FakeImageEncoder()).analyse_bytes([good, b"", b"GIF89a-broken", good])
    assert [type(r).__name__ for r in results] == [
        "ImageAnalysis",
        "ImageDecodeError",
        "ImageDecodeError",
        "ImageAnalysis",
    ]
    assert isinstance(results[1], ImageDecodeError) and results[1].code == "empty_image"
    assert isinstance(results[2], ImageDecodeError) and results[2].code in {"not_an_image", "corrupt_image"}
    assert ImageTagger(FakeImageEncoder()).analyse_bytes([]) == []


def test_non_rgb_inputs_are_accepted() -> None:
    images = [
        Image.new("L", (30, 30), 100),
        Image.new("RGBA", (30, 30), (0, 0, 0, 0)),
        Image.new("P", (30, 30)),
    ]
    assert len(ImageTagger(FakeImageEncoder(), faces=False).analyse(images)) == 3


def _poster(base: Image.Image, lines: list[tuple[tuple[int, int], str, int, str]]) -> Image.Image:
    out = base.copy()
    draw = ImageDraw.Draw(out)
    for xy, text, size, colour in lines:
        draw.text(xy, text, font=_font(size), fill=colour)
    return out


@pytest.mark.parametrize(
    "name", ["coffee", "chelsea", "astronaut", "rocket", "camera", "grass", "gravel", "brick"]
)
def test_photos_without_text(name: str) -> None:
    assert not likely_has_text(Image.fromarray(getattr(skimage.data, name)()).convert("RGB"))


def test_images_with_text() -> None:
    assert likely_has_text(Image.fromarray(skimage.data.page()))
    assert likely_has_text(Image.fromarray(skimage.data.text()))
    white = Image.new("RGB", (720, 1280), "white")
    assert likely_has_text(
        _poster(
            white, [((60, 200), "NEW SEASON SALE", 60, "black"), ((60, 400), "限时抢购 买一送一", 56, "red")]
        )
    )
    coffee = Image.fromarray(skimage.data.coffee())
    assert likely_has_text(
        _poster(coffee, [((20, 20), "夏日限定 冰咖啡", 40, "white"), ((20, 330), "第二杯半价", 30, "yellow")])
    )
    assert not likely_has_text(Image.new("RGB", (300, 200), "white"))


def test_from_config() -> None:
    tagger = ImageTagger.from_config(VisionConfig(backend="fake", faces=False, top_k=2, batch_size=3))
    assert isinstance(tagger.encoder, FakeImageEncoder)
    assert (tagger.faces, tagger.top_k, tagger.batch_size) == (False, 2, 3)
