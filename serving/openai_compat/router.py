"""POST /openai/v1/chat/completions and GET /openai/v1/models, answered by the copywriting LLM."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from pipelines.llm.types import ChatMessage, ChatRequest, ChatResult, Role, SamplingParams
from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.deps import CallerDep, GatewayDep
from serving.errors import Forbidden
from serving.openai_compat.schemas import ChatCompletionRequest

router = APIRouter(prefix="/openai/v1", tags=["openai"])
_ROLES: dict[str, Role] = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "assistant": "assistant",
}


def _require_generation_rights(caller: Caller) -> None:
    brands = caller.brand_ids(Permission.JOBS_CREATE)
    if brands is not None and not brands:
        raise Forbidden("your keys may not generate at any brand", code="forbidden")


def _requests(body: ChatCompletionRequest) -> list[ChatRequest]:
    messages = tuple(ChatMessage(role=_ROLES[m.role], content=m.text()) for m in body.messages)
    stop = (body.stop,) if isinstance(body.stop, str) else tuple(body.stop or ())
    schema: dict[str, Any] | None = None
    if body.response_format is not None and body.response_format.type == "json_schema":
        assert body.response_format.json_schema is not None
        schema = body.response_format.json_schema.schema_
    elif body.response_format is not None and body.response_format.type == "json_object":
        schema = {"type": "object"}
    out = []
    for i in range(body.n):
        params = SamplingParams(
            max_tokens=body.max_completion_tokens or body.max_tokens or 512,
            temperature=body.temperature,
            top_p=body.top_p,
            seed=None if body.seed is None else body.seed + i,
            stop=stop[:8],
            presence_penalty=body.presence_penalty,
            frequency_penalty=body.frequency_penalty,
            json_schema=schema,
        )
        out.append(ChatRequest(messages=messages, params=params))
    return out


def _completion(completion_id: str, created: int, results: list[ChatResult]) -> dict[str, Any]:
    choices = [
        {
            "index": i,
            "message": {"role": "assistant", "content": r.text},
            "finish_reason": "stop" if r.finish_reason == "error" else r.finish_reason,
        }
        for i, r in enumerate(results)
    ]
    prompt = results[0].prompt_tokens if results else 0
    completion = sum(r.completion_tokens for r in results)
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": results[0].model if results else "",
        "choices": choices,
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def _stream(completion_id: str, created: int, results: list[ChatResult]) -> Iterator[str]:
    """The finished answer as chat.completion.chunk events (one content chunk per choice)."""
    model = results[0].model if results else ""
    for i, result in enumerate(results):
        base = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model}
        for delta, finish in (
            ({"role": "assistant", "content": ""}, None),
            ({"content": result.text}, None),
            ({}, "stop" if result.finish_reason == "error" else result.finish_reason),
        ):
            chunk = {**base, "choices": [{"index": i, "delta": delta, "finish_reason": finish}]}
            yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"


@router.post("/chat/completions", operation_id="openaiChatCompletions", response_model=None)
async def chat_completions(
    body: ChatCompletionRequest, caller: CallerDep, gateway: GatewayDep
) -> JSONResponse | StreamingResponse:
    """Chat completions in the OpenAI format (``stream`` sends the finished answer as SSE chunks)."""
    _require_generation_rights(caller)
    results = await gateway.chat(_requests(body))
    failed = next((r for r in results if r.finish_reason == "error"), None)
    if failed is not None:
        error = {"message": failed.error or "the model failed", "type": "server_error", "code": "model_error"}
        return JSONResponse({"error": error}, status_code=502)
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if body.stream:
        return StreamingResponse(_stream(completion_id, created, results), media_type="text/event-stream")
    return JSONResponse(_completion(completion_id, created, results))


@router.get("/models", operation_id="openaiListModels")
def list_models(request: Request, caller: CallerDep) -> dict[str, Any]:
    """The model that answers chat completions (from the ``llm`` settings)."""
    _require_generation_rights(caller)
    config = request.app.state.settings.llm
    return {
        "object": "list",
        "data": [
            {"id": config.model, "object": "model", "created": 0, "owned_by": f"atelier/{config.backend}"}
        ],
    }
