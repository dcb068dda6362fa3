"""Real image models on CPU: EfficientNet-Lite0 exported to ONNX once per session and run on onnxruntime,
and a tiny random-weight open_clip model (the CLIP code path, offline, in about a second)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import skimage.data
from PIL import Image, ImageOps

from pipelines.vision.config import VisionConfig
from pipelines.vision.efficientnet import EfficientNetLiteEncoder
from pipelines.vision.open_clip_backend import OpenClipEncoder
from pipelines.vision.protocol import ImageEncoder, VisionError
from pipelines.vision.registry import open_image_encoder
from pipelines.vision.tagger import ImageTagger

TINY_CLIP = "atelier-tiny-vit"
TINY_CLIP_CONFIG = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 64, "layers": 2, "width": 64, "patch_size": 16, "head_width": 32},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
}
COFFEE_FAMILY = {"espresso", "cup", "coffee mug", "coffeepot", "espresso maker"}


def _photo(name: str) -> Image.Image:
    return Image.fromarray(getattr(skimage.data, name)()).convert("RGB")


@pytest.fixture(scope="session")
def effnet_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vision-models")


@pytest.fixture(scope="session")
def effnet(effnet_cache: Path) -> EfficientNetLiteEncoder:
    """Exported once per test session into a session temporary directory."""
    encoder = open_image_encoder(VisionConfig(cache_dir=effnet_cache, threads=2))
    assert isinstance(encoder, EfficientNetLiteEncoder)
    encoder.load()
    return encoder


@pytest.fixture(scope="session")
def tiny_clip_arch(tmp_path_factory: pytest.TempPathFactory) -> str:
    import open_clip

    folder = tmp_path_factory.mktemp("open-clip-configs")
    (folder / f"{TINY_CLIP}.json").write_text(json.dumps(TINY_CLIP_CONFIG))
    open_clip.add_model_config(folder)
    return TINY_CLIP


@pytest.fixture
def tiny_clip(tiny_clip_arch: str) -> Iterator[OpenClipEncoder]:
    import torch

    torch.manual_seed(0)
    config = VisionConfig(backend="open_clip", model=tiny_clip_arch, allow_random_weights=True, batch_size=4)
    encoder = open_image_encoder(config)
    assert isinstance(encoder, OpenClipEncoder)
    yield encoder


def test_effnet_labels_tags_and_faces(effnet: EfficientNetLiteEncoder) -> None:
    tagger = ImageTagger(effnet)
    coffee, chelsea, astronaut = tagger.analyse([_photo("coffee"), _photo("chelsea"), _photo("astronaut")])
    assert coffee.labels[0].name in COFFEE_FAMILY and coffee.labels[0].score > 0.5
    assert coffee.tags[0].id == "food_beverage/coffee" and coffee.tags[0].zh == "咖啡"
    assert chelsea.labels[0].name in {"tabby", "tiger cat", "Egyptian cat"}
    assert chelsea.tags[0].id == "pets/cat" and chelsea.tags[0].score > 0.8
    assert len(astronaut.faces) == 1 and "portrait" in [t.id for t in astronaut.tags]
    for result in (coffee, chelsea, astronaut):
        assert result.encoder == "efficientnet-lite0" and len(result.embedding) == 1280
        assert np.linalg.norm(result.embedding) == pytest.approx(1.0, abs=1e-4)


def test_effnet_batches_agree_and_copies_find_originals(effnet: EfficientNetLiteEncoder) -> None:
    names = ["coffee", "chelsea", "astronaut", "rocket", "camera", "coins", "horse"]
    originals = [_photo(n) for n in names]
    together = effnet.encode_images(originals)
    alone = np.concatenate([effnet.encode_images([image]) for image in originals[:2]])
    assert np.abs(together[:2] - alone).max() < 1e-4
    copies = [
        ImageOps.mirror(image.crop((image.width // 10, 0, image.width, image.height))) for image in originals
    ]
    similarity = effnet.encode_images(copies) @ together.T
    assert similarity.argmax(axis=1).tolist() == list(range(len(names)))
    assert effnet.encode_images([]).shape == (0, 1280)
    with pytest.raises(VisionError, match="no text tower"):
        effnet.encode_texts(["coffee"])


def test_effnet_export_is_cached_and_inference_needs_no_torch(
    effnet: EfficientNetLiteEncoder, effnet_cache: Path
) -> None:
    onnx_path, labels_path = effnet.model_paths()
    assert onnx_path.is_file() and len(json.loads(labels_path.read_text())) == 1000
    again = EfficientNetLiteEncoder(VisionConfig(cache_dir=effnet_cache))
    again.load()
    assert again.export_seconds is None  # found in the cache, not exported again
    probe = (
        "import sys, numpy as np\n"
        "from PIL import Image\n"
        "from pipelines.vision.config import VisionConfig\n"
        "from pipelines.vision.efficientnet import EfficientNetLiteEncoder\n"
        f"e = EfficientNetLiteEncoder(VisionConfig(cache_dir={str(effnet_cache)!r}, threads=1))\n"
        "labels = e.classify([Image.new('RGB', (64, 64), 'red')])\n"
        "assert labels[0] and e.export_seconds is None\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'torchvision', 'open_clip'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=os.environ.copy(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_effnet_speed_report(effnet: EfficientNetLiteEncoder) -> None:
    """Prints the figures quoted in efficientnet.py's docstring (run with -s); asserts only sanity."""
    batch = [_photo("coffee")] * 16
    effnet.encode_images(batch[:1])
    timings = {}
    for size in (1, 16):
        started = time.perf_counter()
        for _ in range(3):
            effnet.encode_images(batch[:size])
        timings[size] = (time.perf_counter() - started) / 3 / size * 1000
    print(
        f"\nefficientnet-lite0: export {effnet.export_seconds or 0:.1f} s, "
        f"load {effnet.load_seconds or 0:.2f} s (export included), "
        f"{timings[1]:.1f} ms/image at batch 1, {timings[16]:.1f} ms/image at batch 16"
    )
    assert timings[16] < 500


def test_tiny_open_clip_embeds_images_and_texts(tiny_clip: OpenClipEncoder) -> None:
    assert isinstance(tiny_clip, ImageEncoder) and tiny_clip.supports_text
    assert tiny_clip.name == f"open_clip:{TINY_CLIP}:random" and tiny_clip.dim == 32
    images = [_photo("coffee"), _photo("chelsea"), Image.new("L", (20, 90), 30)] * 2
    vectors, labels = tiny_clip.encode_and_classify(images, top_k=3)
    assert vectors.shape == (6, 32) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.abs(vectors[:3] - vectors[3:]).max() < 1e-5  # batches of 4 and 2 agree
    assert all(len(row) == 3 and row[0].vocabulary == "taxonomy" for row in labels)
    texts = tiny_clip.encode_texts(["a photo of coffee", "一杯咖啡", ""])
    assert texts.shape == (3, 32)
    assert np.allclose(np.linalg.norm(texts, axis=1), 1.0, atol=1e-5)
    assert tiny_clip.encode_texts([]).shape == (0, 32)


def test_tiny_open_clip_custom_labels_and_taxonomy_tags(tiny_clip_arch: str) -> None:
    config = VisionConfig(backend="open_clip", model=tiny_clip_arch, allow_random_weights=True)
    encoder = OpenClipEncoder(config, labels=["sneakers", "a cat", "latte"])
    (row,) = encoder.classify([_photo("coffee")], top_k=3)
    assert sorted(label.name for label in row) == ["a cat", "latte", "sneakers"]
    assert sum(label.score for label in row) == pytest.approx(1.0, abs=1e-5)
    tagger = ImageTagger(encoder, faces=False, min_tag_score=0.0, relative_tag_score=0.0)
    (analysis,) = tagger.analyse([_photo("coffee")])
    assert {"apparel/shoes", "pets/cat", "food_beverage/coffee"} <= {t.id for t in analysis.tags}


def test_open_clip_loads_local_weights(
    tiny_clip: OpenClipEncoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    tiny_clip.load()
    (tmp_path / "tiny").mkdir()
    torch.save(tiny_clip._model.state_dict(), tmp_path / "tiny" / "open_clip_pytorch_model.bin")
    monkeypatch.setenv("ATELIER_MODEL_DIR", str(tmp_path))
    for pretrained in (
        "tiny",
        "tiny/open_clip_pytorch_model.bin",
        str(tmp_path / "tiny/open_clip_pytorch_model.bin"),
    ):
        config = VisionConfig(backend="open_clip", model=TINY_CLIP, pretrained=pretrained)
        loaded = OpenClipEncoder(config, labels=["cat", "dog"])
        assert loaded.name == f"open_clip:{TINY_CLIP}:open_clip_pytorch_model"
        image = [_photo("rocket")]
        assert np.abs(loaded.encode_images(image) - tiny_clip.encode_images(image)).max() < 1e-5


def test_open_clip_never_downloads(
    tiny_clip_arch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATELIER_MODEL_DIR", str(tmp_path))
    with pytest.raises(VisionError, match="ATELIER_MODEL_DIR"):
        OpenClipEncoder(VisionConfig(backend="open_clip", model="ViT-B-32", pretrained="laion2b_s34b_b79k"))
    with pytest.raises(VisionError, match="ATELIER_MODEL_DIR"):
        OpenClipEncoder(VisionConfig(backend="open_clip", model="ViT-B-32"))  # no weights, random not allowed
    with pytest.raises(VisionError, match="downloads are not allowed"):
        OpenClipEncoder(
            VisionConfig(backend="open_clip", model="hf-hub:timm/ViT-B-16-SigLIP", pretrained="x")
        )
    with pytest.raises(VisionError, match="unknown open_clip architecture"):
        OpenClipEncoder(VisionConfig(backend="open_clip", model="no-such-arch", allow_random_weights=True))
    monkeypatch.delenv("ATELIER_MODEL_DIR")
    with pytest.raises(VisionError, match="no model directory"):
        OpenClipEncoder(VisionConfig(backend="open_clip", model="ViT-B-32", pretrained="clip/vit-b-32"))
    assert (
        OpenClipEncoder(VisionConfig(backend="open_clip", model="ViT-B-32", allow_random_weights=True)).dim
        == 512
    )
