"""CLIP/SigLIP through open_clip: image and text in one space (text→image search) and zero-shot labels.

Weights come only from disk: ``pretrained`` is a checkpoint file or a folder (absolute, or relative to the
model directory, ``ATELIER_MODEL_DIR``). A folder with ``open_clip_config.json`` (the Hugging Face layout
of open_clip models) brings its own architecture; otherwise ``model`` names a built-in architecture such
as ``ViT-B-32``. Nothing is ever downloaded: pretrained tags (``laion2b_s34b_b79k``) and ``hf-hub:`` names
are refused. Architectures whose tokenizer lives on the Hugging Face hub (SigLIP) need it in the HF cache.

Zero-shot labels default to the marketing taxonomy: each tag is the mean of its English and Chinese
prompts ("a photo of {en}", synonyms, "{zh}的照片"); ``Label.name`` is then the tag id.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from pipelines import devices
from pipelines.base import MissingDependency
from pipelines.embeddings.text import l2_normalise
from pipelines.vision.config import MODEL_DIR_ENV, VisionConfig
from pipelines.vision.protocol import BaseImageEncoder, VisionError
from pipelines.vision.taxonomy import Taxonomy

CHECKPOINT_NAMES = (
    "open_clip_model.safetensors",
    "open_clip_pytorch_model.safetensors",
    "open_clip_pytorch_model.bin",
    "model.safetensors",
    "pytorch_model.bin",
)
CHECKPOINT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")
MAX_SYNONYM_PROMPTS = 3
MAX_PREPROCESS_THREADS = 8


def taxonomy_prompts(taxonomy: Taxonomy) -> list[tuple[str, list[str]]]:
    """``(tag id, prompts)`` per tag: English and Chinese phrasings averaged into one class."""
    out = []
    for tag in taxonomy.all():
        prompts = [f"a photo of {tag.en}"]
        prompts += [f"a photo of {s}" for s in tag.synonyms_en[:MAX_SYNONYM_PROMPTS]]
        prompts += [f"{tag.zh}的照片", tag.zh]
        out.append((tag.id, prompts))
    return out


class OpenClipEncoder(BaseImageEncoder):
    """An open_clip model on torch (``config.device``: CUDA when there is one, else the CPU): unit image and
    text rows, zero-shot labels."""

    supports_text = True

    def __init__(
        self,
        config: VisionConfig | None = None,
        *,
        labels: Sequence[str] | None = None,
        taxonomy: Taxonomy | None = None,
    ) -> None:
        self.config = config or VisionConfig(backend="open_clip", model="ViT-B-32")
        super().__init__(batch_size=self.config.batch_size)
        if self.config.model.startswith("hf-hub:"):
            raise VisionError(
                f"{self.config.model!r}: downloads are not allowed; put the weights under the model dir"
            )
        self._checkpoint = self._resolve_checkpoint()
        if labels is not None:
            self.vocabulary = "custom"
            self._classes = [(name, [f"a photo of {name}"]) for name in labels]
        else:
            self.vocabulary = "taxonomy"
            self._classes = taxonomy_prompts(taxonomy or Taxonomy.builtin())
        weights = "random" if self._checkpoint is None else self._checkpoint.stem
        if self._checkpoint is not None and self._checkpoint.is_dir():
            weights = self._checkpoint.name
        self.name = f"open_clip:{self.config.model}:{weights}"
        self.dim = self._embed_dim()
        self._model: Any = None
        self._preprocess: Any = None
        self._tokenizer: Any = None
        self._class_rows: NDArray[np.float32] = np.zeros((0, 0), dtype=np.float32)
        self._logit_scale = 100.0
        self._torch_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self.device = "cpu"
        """Where the model runs once loaded: ``cpu`` or ``cuda[:N]``."""
        self.dtype = "float32"
        """The weights' dtype once loaded."""

    @property
    def label_names(self) -> Sequence[str]:
        return [name for name, _ in self._classes]

    def _resolve_checkpoint(self) -> Path | None:
        """The checkpoint file, or a folder with ``open_clip_config.json``; None for random weights."""
        pretrained = self.config.pretrained
        if pretrained is None:
            if not self.config.allow_random_weights:
                raise VisionError(
                    "open_clip needs weights: set pretrained to a checkpoint file or folder under the model "
                    f"directory (${MODEL_DIR_ENV}); random weights only with allow_random_weights"
                )
            return None
        path = Path(pretrained).expanduser()
        model_dir = self.config.resolved_model_dir()
        if not path.is_absolute():
            if model_dir is None:
                raise VisionError(
                    f"open_clip weights {pretrained!r} are relative but no model directory is set "
                    f"(set {MODEL_DIR_ENV} or model_dir)"
                )
            path = model_dir / path
        if path.is_dir():
            if (path / "open_clip_config.json").is_file():
                return path
            found = _find_checkpoint(path)
            if found is not None:
                return found
        elif path.is_file():
            return path
        raise VisionError(
            f"open_clip weights not found at {path} (pretrained={pretrained!r}, {MODEL_DIR_ENV}="
            f"{model_dir or 'unset'}); nothing is downloaded: copy a checkpoint there"
        )

    def _load(self) -> None:
        try:
            import open_clip
            import torch
        except ImportError as exc:
            raise MissingDependency(
                "the open_clip backend needs `pip install open_clip_torch torch`"
            ) from exc
        if self.config.threads:
            torch.set_num_threads(self.config.threads)
        model_name, pretrained = self.config.model, None
        if self._checkpoint is not None and self._checkpoint.is_dir():
            model_name = f"local-dir:{self._checkpoint}"
        elif self._checkpoint is not None:
            pretrained = str(self._checkpoint)
        try:
            model, _, preprocess = open_clip.create_model_and_transforms(
                model_name, pretrained=pretrained, pretrained_text=False
            )
            tokenizer = open_clip.get_tokenizer(model_name)
        except Exception as exc:  # noqa: BLE001 - open_clip raises bare RuntimeErrors; name the cause
            raise VisionError(
                f"cannot build open_clip model {model_name!r} from {pretrained}: {exc}"
            ) from exc
        self.device, dtype_name = placement(torch, self.config.device, self.config.dtype)
        self.dtype = dtype_name
        model = model.to(device=self.device, dtype=getattr(torch, dtype_name)).eval()
        self._model, self._preprocess, self._tokenizer = model, preprocess, tokenizer
        scale = getattr(model, "logit_scale", None)
        self._logit_scale = float(scale.exp().item()) if scale is not None else 100.0
        self._class_rows = self._embed_classes()
        width = int(self._encode_texts(["a photo"]).shape[1])
        if width != self.dim:
            raise VisionError(
                f"{self.name}: the model embeds in {width} dimensions, its config says {self.dim}"
            )

    def _embed_dim(self) -> int:
        """``embed_dim`` from the model config, read without importing open_clip where possible."""
        if self._checkpoint is not None and self._checkpoint.is_dir():
            config_file: Path | None = self._checkpoint / "open_clip_config.json"
        else:
            spec = importlib.util.find_spec("open_clip")
            origin = Path(spec.origin) if spec is not None and spec.origin else None
            config_file = origin.parent / "model_configs" / f"{self.config.model}.json" if origin else None
        model_cfg: dict[str, Any] | None = None
        if config_file is not None and config_file.is_file():
            document = json.loads(config_file.read_text(encoding="utf-8"))
            model_cfg = document.get("model_cfg", document)
        else:  # an architecture registered at run time (open_clip.add_model_config)
            try:
                import open_clip
            except ImportError as exc:
                raise MissingDependency("the open_clip backend needs `pip install open_clip_torch`") from exc
            model_cfg = open_clip.get_model_config(self.config.model)
        if not model_cfg or "embed_dim" not in model_cfg:
            raise VisionError(f"unknown open_clip architecture {self.config.model!r}")
        return int(model_cfg["embed_dim"])

    def _embed_classes(self) -> NDArray[np.float32]:
        if not self._classes:
            return np.zeros((0, 0), dtype=np.float32)
        prompts = [p for _, group in self._classes for p in group]
        rows = l2_normalise(
            np.concatenate([self._encode_texts(prompts[i : i + 256]) for i in range(0, len(prompts), 256)])
        )
        out, start = [], 0
        for _, group in self._classes:
            out.append(rows[start : start + len(group)].mean(axis=0))
            start += len(group)
        return l2_normalise(np.stack(out))

    def _forward(self, images: list[Image.Image]) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        import torch

        pixels = torch.stack(self._preprocess_all(images))
        features = self.encode_pixels(pixels)
        rows = l2_normalise(features)
        if not len(self._classes):
            return rows, np.zeros((len(images), 0), dtype=np.float32)
        logits = self._logit_scale * rows @ self._class_rows.T
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        return rows, (shifted / shifted.sum(axis=1, keepdims=True)).astype(np.float32)

    def _preprocess_all(self, images: list[Image.Image]) -> list[Any]:
        """open_clip's transforms per image, on a thread pool (PIL's resize releases the GIL): on a GPU
        the CPU-side resize, not the model, sets the pace (bench gpu, eval/results/gpu-*.json: ViT-L/14
        embeds 2,253 preprocessed images a second on an H100, 489 PIL images a second with this pool)."""
        workers = min(self.config.resolved_threads(), MAX_PREPROCESS_THREADS)
        if workers <= 1 or len(images) <= 1:
            return [self._preprocess(image) for image in images]
        if self._pool is None:
            with self._torch_lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(workers, thread_name_prefix="clip-preprocess")
        return list(self._pool.map(self._preprocess, images))

    def encode_pixels(self, pixels: Any) -> NDArray[np.float32]:
        """Image-tower features (not normalised) of an already preprocessed ``(N, 3, H, W)`` tensor."""
        import torch

        self.load()
        pixels = pixels.to(device=self.device, dtype=next(self._model.parameters()).dtype)
        with self._torch_lock, torch.inference_mode():
            return np.asarray(self._model.encode_image(pixels).float().cpu().numpy(), dtype=np.float32)

    def _encode_texts(self, texts: Sequence[str]) -> NDArray[np.float32]:
        import torch

        tokens = self._tokenizer(list(texts)).to(self.device)
        with self._torch_lock, torch.inference_mode():
            return np.asarray(self._model.encode_text(tokens).float().cpu().numpy(), dtype=np.float32)


def placement(torch: Any, device: str, dtype: str) -> tuple[str, str]:
    """``pipelines.devices.placement`` with a ``VisionError`` when CUDA is missing."""
    try:
        return devices.placement(torch, device, dtype)
    except devices.DeviceUnavailable as exc:
        raise VisionError(str(exc)) from None


def _find_checkpoint(folder: Path) -> Path | None:
    for name in CHECKPOINT_NAMES:
        if (folder / name).is_file():
            return folder / name
    candidates = sorted(p for p in folder.iterdir() if p.suffix in CHECKPOINT_SUFFIXES and p.is_file())
    return candidates[0] if candidates else None
