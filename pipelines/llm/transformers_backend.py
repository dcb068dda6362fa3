"""Hugging Face transformers backend: a local causal LM folder, batched decoding with per-request sampling.

One forward pass per step serves the whole batch; every request keeps its own temperature, top-p, seed
(its own ``torch.Generator``), penalties, stop strings and token limit. torch and transformers are
imported in ``load()``, never at import time, and nothing is fetched from a hub (``local_files_only``).
"""

from __future__ import annotations

import inspect
import logging
import secrets
import threading
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.llm.config import LLMConfig
from pipelines.llm.protocol import ModelNotAvailable
from pipelines.llm.types import ChatMessage, ChatRequest, ChatResult, FinishReason, SamplingParams

log = logging.getLogger(__name__)


def resolve_model_path(config: LLMConfig) -> Path:
    """``config.model`` if absolute, else under ``config.model_dir``: a folder in the Hugging Face layout
    or, for the transformers backend, a single ``.gguf`` file (de-quantized at load); raises if neither."""
    model = Path(config.model).expanduser()
    if not model.is_absolute():
        if config.model_dir is None:
            raise ModelNotAvailable(
                f"model {config.model!r} is a relative name but no model directory is set: set "
                "ATELIER_MODEL_DIR (or llm.model_dir) to a local folder in the Hugging Face layout, "
                "or give llm.model as an absolute folder; nothing is downloaded at run time"
            )
        model = config.model_dir.expanduser() / model
    if not (model.is_dir() or (model.is_file() and model.suffix == ".gguf")):
        raise ModelNotAvailable(
            f"model folder {model} does not exist: copy the model there (Hugging Face layout, or one .gguf "
            "file) or point ATELIER_MODEL_DIR / llm.model_dir at the folder that holds it; nothing is "
            "downloaded at run time"
        )
    return model


def trim_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """``text`` cut before the earliest stop string, and whether one was found."""
    cuts = [i for i in (text.find(s) for s in stops if s) if i >= 0]
    return (text[: min(cuts)], True) if cuts else (text, False)


def fallback_prompt(messages: Sequence[ChatMessage]) -> str:
    """A plain role-tagged prompt for tokenizers that ship no chat template."""
    turns = "".join(f"<|{m.role}|>\n{m.content}\n" for m in messages)
    return turns + "<|assistant|>\n"


@dataclass
class _Row:
    """One request in a batch and its decoding state."""

    index: int
    prompt_ids: list[int]
    params: SamplingParams
    limit: int
    generated: list[int] = field(default_factory=list)
    finish: FinishReason | None = None


class _Sampler:
    """Per-row temperature, top-p, penalties and random generator, applied to a batch of logits."""

    def __init__(self, torch: Any, rows: Sequence[_Row], vocab: int, device: Any) -> None:
        self.torch = torch
        params = [r.params for r in rows]
        self.temps = torch.tensor([p.temperature for p in params], device=device, dtype=torch.float32)
        self.top_p = torch.tensor([p.top_p for p in params], device=device, dtype=torch.float32)
        self.greedy = self.temps == 0
        self.any_top_p = any(p.top_p < 1.0 and p.temperature > 0 for p in params)
        self.sampled: list[tuple[int, Any]] = []  # (row, its generator) for rows that sample
        for i, p in enumerate(params):
            if p.temperature > 0:
                gen = torch.Generator(device=device)
                gen.manual_seed(p.seed if p.seed is not None else secrets.randbits(63))
                self.sampled.append((i, gen))
        self.penalised = any(p.presence_penalty or p.frequency_penalty for p in params)
        if self.penalised:
            self.presence = torch.tensor([p.presence_penalty for p in params], device=device)[:, None]
            self.frequency = torch.tensor([p.frequency_penalty for p in params], device=device)[:, None]
            self.counts = torch.zeros((len(rows), vocab), device=device, dtype=torch.float32)

    def sample(self, logits: Any) -> Any:
        """Next token ids, shape (batch,)."""
        torch = self.torch
        if self.penalised:
            logits = logits - self.frequency * self.counts - self.presence * (self.counts > 0).float()
        choice = logits.argmax(dim=-1)
        if self.sampled:
            probs = torch.softmax(logits / self.temps.clamp(min=1e-5)[:, None], dim=-1)
            if self.any_top_p:
                sorted_p, order = probs.sort(dim=-1, descending=True)
                sorted_p = sorted_p.masked_fill(sorted_p.cumsum(-1) - sorted_p > self.top_p[:, None], 0.0)
                probs = torch.zeros_like(probs).scatter_(-1, order, sorted_p)
            noise = torch.ones_like(probs)
            for i, gen in self.sampled:
                noise[i].exponential_(generator=gen)
            # Exponential race: argmax p / E with E ~ Exp(1) draws from p (E > 0 keeps NaN out).
            noise.clamp_(min=1e-20)
            choice = torch.where(self.greedy, choice, (probs / noise).argmax(dim=-1))
        if self.penalised:
            self.counts.scatter_add_(
                1, choice[:, None], torch.ones_like(choice[:, None], dtype=torch.float32)
            )
        return choice


class TransformersBackend:
    """A local Hugging Face causal LM (``AutoModelForCausalLM``) on CPU or CUDA."""

    name = "transformers"
    supports_json_schema = False

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self.model_id = Path(config.model).name or config.model
        self.device = "cpu"
        """Where the model runs once loaded: ``cpu`` or ``cuda``."""
        self.dtype = "float32"
        """The weights' dtype once loaded."""
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()
        self._torch: Any = None
        self._model: Any = None
        self._tokenizer: Any = None
        self._eos_ids: set[int] = set()
        self._pad_id = 0
        self._n_ctx = config.n_ctx
        self._cache_kw = "past_key_values"

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Load tokenizer and weights from the model folder (idempotent, thread-safe)."""
        if self._model is not None:
            return
        with self._load_lock:
            if self._model is None:
                self._load()

    def _load(self) -> None:
        folder = resolve_model_path(self.config)
        started = time.perf_counter()
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        device = self.config.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype_name = self.config.dtype
        if dtype_name == "auto":
            dtype_name = (
                "bfloat16" if device.startswith("cuda") and torch.cuda.is_bf16_supported() else "float32"
            )
        model: Any
        try:
            # a .gguf file: transformers reads its tokenizer and de-quantizes its weights (needs gguf)
            source, gguf = (folder.parent, {"gguf_file": folder.name}) if folder.is_file() else (folder, {})
            tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True, **gguf)
            model = AutoModelForCausalLM.from_pretrained(
                source, local_files_only=True, dtype=getattr(torch, dtype_name), **gguf
            )
        except (OSError, ValueError) as exc:
            raise ModelNotAvailable(f"cannot load a causal LM from {folder}: {exc}") from exc
        model = model.to(device).eval()
        eos = model.generation_config.eos_token_id
        eos_ids = {eos} if isinstance(eos, int) else set(eos or ())
        if tokenizer.eos_token_id is not None:
            eos_ids.add(tokenizer.eos_token_id)
        pad = tokenizer.pad_token_id
        self._pad_id = pad if pad is not None else min(eos_ids, default=0)
        self._eos_ids = eos_ids
        self._n_ctx = min(self.config.n_ctx, getattr(model.config, "max_position_embeddings", None) or 2**31)
        # transformers 5.2x renamed the KV-cache argument ``past_key_values`` to ``cache``.
        self._cache_kw = (
            "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
        )
        self._torch, self._tokenizer, self.device, self.dtype = torch, tokenizer, device, dtype_name
        self._model = model
        log.info(
            "transformers: loaded %s on %s/%s in %.1fs",
            folder,
            device,
            dtype_name,
            time.perf_counter() - started,
        )

    def close(self) -> None:
        """Drop the model and free GPU memory."""
        with self._load_lock, self._run_lock:
            torch, self._model, self._tokenizer = self._torch, None, None
            if torch is not None and self.device.startswith("cuda"):
                torch.cuda.empty_cache()

    def chat(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        """Complete every request in batches of ``n_parallel`` (similar prompt lengths together)."""
        self.load()
        results: list[ChatResult | None] = [None] * len(requests)
        rows: list[_Row] = []
        for i, request in enumerate(requests):
            ids = self._encode(request.messages)
            room = self._n_ctx - len(ids)
            if room < 1:
                results[i] = self._error(
                    len(ids), f"prompt has {len(ids)} tokens; the context is {self._n_ctx}"
                )
                continue
            rows.append(_Row(i, ids, request.params, min(request.params.max_tokens, room)))
        rows.sort(key=lambda r: len(r.prompt_ids))
        size = self.config.n_parallel
        with self._run_lock:
            for start in range(0, len(rows), size):
                batch = rows[start : start + size]
                for row, result in zip(batch, self._run_batch(batch), strict=True):
                    results[row.index] = result
        return [r for r in results if r is not None]

    def _encode(self, messages: Sequence[ChatMessage]) -> list[int]:
        tok = self._tokenizer
        if getattr(tok, "chat_template", None):
            turns = [{"role": m.role, "content": m.content} for m in messages]
            text = tok.apply_chat_template(turns, tokenize=False, add_generation_prompt=True)
            return list(tok(text, add_special_tokens=False)["input_ids"])
        return list(tok(fallback_prompt(messages))["input_ids"])

    def _error(self, prompt_tokens: int, message: str) -> ChatResult:
        return ChatResult(
            text="",
            finish_reason="error",
            prompt_tokens=prompt_tokens,
            completion_tokens=0,
            seconds=0.0,
            model=self.model_id,
            error=message,
        )

    def _run_batch(self, rows: list[_Row]) -> list[ChatResult]:
        started = time.perf_counter()
        torch = self._torch
        longest = max(len(r.prompt_ids) for r in rows)
        ids = torch.full((len(rows), longest), self._pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), longest), dtype=torch.long)
        for i, row in enumerate(rows):  # left padding: every row's last prompt token is at -1
            ids[i, longest - len(row.prompt_ids) :] = torch.tensor(row.prompt_ids, dtype=torch.long)
            mask[i, longest - len(row.prompt_ids) :] = 1
        ids, mask = ids.to(self.device), mask.to(self.device)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        sampler = _Sampler(torch, rows, self._model.config.vocab_size, self.device)
        with torch.inference_mode(), self._attention_kernels():
            out = self._model(
                input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True, logits_to_keep=1
            )
            for _ in range(max(r.limit for r in rows)):
                chosen = sampler.sample(out.logits[:, -1, :].float())
                if self._advance(rows, chosen.tolist()):
                    break
                mask = torch.cat([mask, mask.new_ones((len(rows), 1))], dim=-1)
                positions = positions[:, -1:] + 1
                out = self._model(
                    input_ids=chosen[:, None],
                    attention_mask=mask,
                    position_ids=positions,
                    use_cache=True,
                    logits_to_keep=1,
                    **{self._cache_kw: getattr(out, self._cache_kw)},
                )
        share = (time.perf_counter() - started) / len(rows)
        return [self._result(row, share) for row in rows]

    def _attention_kernels(self) -> AbstractContextManager[Any]:
        """On CUDA, SDPA without the cuDNN kernel: it builds a plan for every new (batch, length) shape,
        about 40 ms each, and decoding meets a new length at every step (measured on an H100)."""
        if not self.device.startswith("cuda"):
            return nullcontext()
        from torch.nn.attention import SDPBackend, sdpa_kernel

        kernels = [SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH]
        return sdpa_kernel(kernels)

    def _advance(self, rows: list[_Row], chosen: list[int]) -> bool:
        """Append each unfinished row's token and mark finished rows; True when all are done."""
        for row, token in zip(rows, chosen, strict=True):
            if row.finish is not None:
                continue
            row.generated.append(token)
            if token in self._eos_ids:
                row.finish = "stop"
            elif row.params.stop and trim_at_stop(self._decode(row), row.params.stop)[1]:
                row.finish = "stop"
            elif len(row.generated) >= row.limit:
                row.finish = "length"
        return all(r.finish is not None for r in rows)

    def _decode(self, row: _Row) -> str:
        ids = row.generated[:-1] if row.generated and row.generated[-1] in self._eos_ids else row.generated
        return str(self._tokenizer.decode(ids, skip_special_tokens=True))

    def _result(self, row: _Row, seconds: float) -> ChatResult:
        text, _ = trim_at_stop(self._decode(row), row.params.stop)
        return ChatResult(
            text=text,
            finish_reason=row.finish or "length",
            prompt_tokens=len(row.prompt_ids),
            completion_tokens=len(row.generated),
            seconds=seconds,
            model=self.model_id,
        )
