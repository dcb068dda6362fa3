"""Which LLM backend and model to use, and how (embedded in the serving settings as ``llm``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

BackendName = Literal["llamacpp", "openai", "vllm", "transformers"]


class LLMConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backend: BackendName = Field(default="llamacpp", description="Which backend serves the copywriter.")
    model: str = Field(
        default="qwen2.5-0.5b-instruct-q4_0",
        description="llamacpp: a catalogue name (pipelines/llm/catalog.py) or a .gguf path; transformers "
        "and vllm: a folder under the model dir or an absolute folder; openai: the served model name.",
    )
    model_dir: Path | None = Field(default=None, description="Local model directory (Hugging Face layout).")
    cache_dir: Path | None = Field(
        default=None,
        description="Where GGUF files joined from package parts are kept (default: ~/.cache/atelier/models).",
    )
    base_url: str | None = Field(default=None, description="openai: e.g. http://vllm:8000/v1")
    api_key: SecretStr | None = Field(
        default=None, description="openai: bearer key, if the server wants one."
    )
    timeout_s: float = Field(default=120.0, gt=0, description="openai: per-request timeout.")
    n_ctx: int = Field(default=4096, ge=256, le=131072, description="Context window (tokens).")
    n_parallel: int = Field(default=4, ge=1, le=256, description="Sequences decoded together (batching).")
    threads: int | None = Field(default=None, ge=1, description="llamacpp CPU threads (default: all cores).")
    device: str = Field(default="auto", description="transformers: cpu, cuda or auto.")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field(default="auto")
