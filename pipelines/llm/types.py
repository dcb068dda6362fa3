"""Typed requests and results every LLM backend speaks (an OpenAI-like chat shape)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant"]
FinishReason = Literal["stop", "length", "error"]


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Role
    content: str = Field(max_length=100_000)


class SamplingParams(BaseModel):
    """How to decode. ``json_schema`` asks for output matching the schema (grammar-constrained where the
    backend can do it; otherwise the caller validates and repairs)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_tokens: int = Field(default=256, ge=1, le=8192)
    temperature: float = Field(default=0.8, ge=0.0, le=2.0)
    top_p: float = Field(default=0.95, gt=0.0, le=1.0)
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)
    stop: tuple[str, ...] = Field(default=(), max_length=8)
    presence_penalty: float = Field(default=0.0, ge=-2.0, le=2.0)
    frequency_penalty: float = Field(default=0.0, ge=-2.0, le=2.0)
    json_schema: dict[str, Any] | None = None
    avoid_words: tuple[str, ...] = Field(
        default=(),
        max_length=64,
        description="Words the model must not write (a brief's must-not-say words). Backends that can ban "
        "tokens ban each word the model's vocabulary holds as one token; the caller still checks the text.",
    )


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    messages: tuple[ChatMessage, ...] = Field(min_length=1, max_length=64)
    params: SamplingParams = Field(default_factory=SamplingParams)


class ChatResult(BaseModel):
    text: str
    finish_reason: FinishReason
    prompt_tokens: int = Field(ge=0)
    completion_tokens: int = Field(ge=0)
    seconds: float = Field(ge=0.0, description="Wall time of this request (or its share of a batch).")
    model: str
    error: str | None = Field(default=None, description="Set when finish_reason is 'error'.")
