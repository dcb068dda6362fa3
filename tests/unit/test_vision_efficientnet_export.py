"""EfficientNet plumbing without torch: preprocessing, cache file names, and a once-only atomic export."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipelines.vision import efficientnet
from pipelines.vision.config import VisionConfig
from pipelines.vision.efficientnet import EfficientNetLiteEncoder, export_onnx, preprocess, softmax


def test_preprocess_shape_and_scale() -> None:
    pixels = preprocess(Image.new("RGB", (600, 400), (255, 127, 0)))
    assert pixels.shape == (3, 224, 224) and pixels.dtype == np.float32
    assert pixels[:, 100, 100] == pytest.approx([128 / 128, 0.0, -127 / 128])


def test_preprocess_takes_the_centre_square() -> None:
    image = Image.new("RGB", (3000, 200), "black")
    image.paste((255, 255, 255), (1480, 0, 1520, 200))  # a white band in the middle
    pixels = preprocess(image)
    assert pixels[0, 112, 112] > 0.9 and pixels[0, 112, 2] < -0.9


def test_softmax_rows_sum_to_one() -> None:
    probabilities = softmax(np.array([[1000.0, 1000.0], [0.0, -50.0]]))
    assert probabilities.sum(axis=1) == pytest.approx([1.0, 1.0])
    assert probabilities[0, 0] == pytest.approx(0.5)


def test_cache_paths_name_version_and_weights(tmp_path: Path) -> None:
    onnx_path, labels_path = EfficientNetLiteEncoder(VisionConfig(cache_dir=tmp_path)).model_paths()
    assert onnx_path.parent == tmp_path and onnx_path.suffix == ".onnx"
    assert onnx_path.name.startswith(f"efficientnet-lite0-v{efficientnet.EXPORT_VERSION}-")
    assert labels_path.name == onnx_path.name.replace(".onnx", ".labels.json")


def test_concurrent_exports_run_once_and_leave_no_temporaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def slow_export(path: Path) -> None:
        calls.append(1)
        time.sleep(0.2)
        path.write_bytes(b"onnx")

    monkeypatch.setattr(efficientnet, "_export_to", slow_export)
    monkeypatch.setattr(efficientnet, "_imagenet_categories", lambda: ["a"] * 1000)
    target = tmp_path / "cache" / "m.onnx"
    outcomes: list[bool] = []
    threads = [
        threading.Thread(target=lambda: outcomes.append(export_onnx(target, target.with_suffix(".json"))))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1] and sorted(outcomes) == [False, False, False, True]
    assert target.read_bytes() == b"onnx"
    assert not [p.name for p in target.parent.iterdir() if p.name.endswith(".tmp")]


def test_failed_export_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_export(path: Path) -> None:
        path.write_bytes(b"half")
        raise RuntimeError("exporter crashed")

    monkeypatch.setattr(efficientnet, "_export_to", broken_export)
    monkeypatch.setattr(efficientnet, "_imagenet_categories", lambda: ["a"] * 1000)
    with pytest.raises(RuntimeError, match="crashed"):
        export_onnx(tmp_path / "m.onnx", tmp_path / "m.json")
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == ["m.json"]
