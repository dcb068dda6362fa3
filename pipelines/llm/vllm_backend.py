"""vLLM in-process backend (GPU image only): continuous batching, per-request seeds, JSON-schema decoding.

vLLM pins its own torch and transformers, so it is not in the main environment; ``load()`` says so with
``MissingDependency``. Elsewhere use backend ``openai`` against a vLLM server, or ``transformers``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from pipelines.base import MissingDependency
from pipelines.llm.config import LLMConfig
from pipelines.llm.protocol import LLMError
from pipelines.llm.transformers_backend import resolve_model_path
from pipelines.llm.types import ChatRequest, ChatResult, SamplingParams

MISSING_VLLM = (
    "vLLM lives only in the GPU image (gpu_deploy/); use backend 'openai' against a vLLM server "
    "or 'transformers' here"
)


def structured_json(vllm_sampling: Any, schema: dict[str, Any]) -> dict[str, Any]:
    """``SamplingParams`` keyword arguments that constrain output to ``schema`` for this vLLM version.

    vLLM >= 0.11: ``structured_outputs=StructuredOutputsParams(json=...)``; older releases:
    ``guided_decoding=GuidedDecodingParams(json=...)``.
    """
    params_cls = getattr(vllm_sampling, "StructuredOutputsParams", None)
    if params_cls is not None:
        return {"structured_outputs": params_cls(json=schema)}
    params_cls = getattr(vllm_sampling, "GuidedDecodingParams", None)
    if params_cls is not None:
        return {"guided_decoding": params_cls(json=schema)}
    raise LLMError("this vLLM has neither StructuredOutputsParams nor GuidedDecodingParams")


class VllmBackend:
    """``vllm.LLM`` over a local model folder (same folder rules as the transformers backend)."""

    name = "vllm"
    supports_json_schema = True

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self.model_id = config.model.rstrip("/").rsplit("/", 1)[-1] or config.model
        self._llm: Any = None
        self._vllm_sampling: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Start the engine (idempotent, thread-safe); raises ``MissingDependency`` without vLLM."""
        if self._llm is not None:
            return
        with self._lock:
            if self._llm is not None:
                return
            try:
                import vllm
                import vllm.sampling_params as vllm_sampling
            except ImportError as exc:
                raise MissingDependency(MISSING_VLLM) from exc
            folder = resolve_model_path(self.config)
            self._vllm_sampling = vllm_sampling
            self._llm = vllm.LLM(
                model=str(folder),
                dtype=self.config.dtype,
                max_model_len=self.config.n_ctx,
                max_num_seqs=self.config.n_parallel,
                seed=0,
            )

    def close(self) -> None:
        """Drop the engine (vLLM frees GPU memory when it is garbage collected)."""
        with self._lock:
            self._llm = None

    def sampling_params(self, params: SamplingParams) -> Any:
        """vLLM ``SamplingParams`` for ours (the stop strings are left out of the text, as in OpenAI);
        ``avoid_words`` become vLLM's ``bad_words`` (it bans a word's last token after its other tokens)."""
        extra = structured_json(self._vllm_sampling, params.json_schema) if params.json_schema else {}
        if params.avoid_words:
            extra["bad_words"] = list(params.avoid_words)
        return self._vllm_sampling.SamplingParams(
            max_tokens=params.max_tokens,
            temperature=params.temperature,
            top_p=params.top_p,
            seed=params.seed,
            stop=list(params.stop) or None,
            presence_penalty=params.presence_penalty,
            frequency_penalty=params.frequency_penalty,
            **extra,
        )

    def chat(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        """All requests in one ``LLM.chat`` call (vLLM schedules and batches them)."""
        self.load()
        if not requests:
            return []
        started = time.perf_counter()
        conversations = [[{"role": m.role, "content": m.content} for m in r.messages] for r in requests]
        outputs = self._llm.chat(
            conversations, sampling_params=[self.sampling_params(r.params) for r in requests], use_tqdm=False
        )
        share = (time.perf_counter() - started) / len(requests)
        return [self._result(out, share) for out in outputs]

    def _result(self, out: Any, seconds: float) -> ChatResult:
        completion = out.outputs[0]
        reason = completion.finish_reason
        return ChatResult(
            text=str(completion.text),
            finish_reason="length" if reason == "length" else ("stop" if reason else "error"),
            prompt_tokens=len(out.prompt_token_ids or ()),
            completion_tokens=len(completion.token_ids or ()),
            seconds=seconds,
            model=self.model_id,
            error=None if reason else "vLLM returned no finish reason (aborted request)",
        )
