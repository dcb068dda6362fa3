"""Config validation, the lazy backend registry, the fake encoder's contract, and light imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydantic import ValidationError

from pipelines.vision.config import VisionConfig
from pipelines.vision.fake import FakeImageEncoder
from pipelines.vision.protocol import ImageEncoder, VisionError
from pipelines.vision.registry import IMAGE_ENCODERS, open_image_encoder


def test_config_defaults_and_validation(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = VisionConfig()
    assert (config.backend, config.model, config.batch_size, config.top_k) == (
        "efficientnet",
        "efficientnet-lite0",
        16,
        5,
    )
    assert config.ocr and config.faces and config.pretrained is None
    assert config.resolved_cache_dir() == Path("~/.cache/atelier/models").expanduser()
    monkeypatch.delenv("ATELIER_MODEL_DIR", raising=False)
    assert config.resolved_model_dir() is None
    monkeypatch.setenv("ATELIER_MODEL_DIR", str(tmp_path))
    assert config.resolved_model_dir() == tmp_path
    assert VisionConfig(model_dir=tmp_path / "x").resolved_model_dir() == tmp_path / "x"
    with pytest.raises(ValidationError):
        VisionConfig(backend="tensorflow")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        VisionConfig(colour=True)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        VisionConfig(model="efficientnet-b7")
    with pytest.raises(ValidationError):
        VisionConfig(batch_size=0)


def test_registry_names_and_fake() -> None:
    assert IMAGE_ENCODERS.names() == ["efficientnet", "fake", "open_clip"]
    encoder = open_image_encoder(VisionConfig(backend="fake"))
    assert isinstance(encoder, FakeImageEncoder) and isinstance(encoder, ImageEncoder)


def test_fake_encoder_contract() -> None:
    encoder = FakeImageEncoder()
    images = [Image.new("RGB", (64, 48), colour) for colour in ("red", "blue", (120, 120, 120))]
    vectors, labels = encoder.encode_and_classify(images, top_k=3)
    assert vectors.shape == (3, 192) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert [row[0].name for row in labels] == ["sports car", "seashore", "cellular telephone"]
    assert np.array_equal(encoder.encode_images(images), vectors)
    assert encoder.classify(images, top_k=1) == [row[:1] for row in labels]
    assert encoder.encode_images([]).shape == (0, 192)
    with pytest.raises(VisionError, match="no text tower"):
        encoder.encode_texts(["a cat"])


def test_fake_embedding_finds_edited_copies() -> None:
    rng = np.random.default_rng(0)
    originals = [
        Image.fromarray(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)).resize((256, 256)) for _ in range(5)
    ]
    edited = [
        image.resize((180, 180))
        .transpose(Image.Transpose.FLIP_TOP_BOTTOM)
        .transpose(Image.Transpose.FLIP_TOP_BOTTOM)
        for image in originals
    ]
    encoder = FakeImageEncoder()
    similarity = encoder.encode_images(edited) @ encoder.encode_images(originals).T
    assert similarity.argmax(axis=1).tolist() == [0, 1, 2, 3, 4]


def test_vision_imports_stay_light() -> None:
    modules = [
        "pipelines.vision.tagger",
        "pipelines.vision.registry",
        "pipelines.vision.fake",
        "pipelines.vision.efficientnet",
        "pipelines.vision.open_clip_backend",
    ]
    probe = (
        "\n".join(f"import {m}" for m in modules)
        + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    heavy = sorted(
        {m.split(".")[0] for m in loaded}
        & {"torch", "torchvision", "open_clip", "onnxruntime", "onnx", "skimage"}
    )
    assert heavy == []
