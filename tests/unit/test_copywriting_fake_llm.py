"""A scripted LLM backend for the copywriting tests (the whole LLMBackend contract), and its own tests."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Sequence

from pipelines.llm.protocol import LLMBackend
from pipelines.llm.types import ChatMessage, ChatRequest, ChatResult, SamplingParams

WORDS = (
    "清晨 通勤 加班 周末 旅行 约会 换季 干燥 紧绷 温柔 轻盈 水润 细腻 安心 舒服 透亮 柔软 清爽 自在 惊喜 "
    "阳光 海边 书桌 咖啡 雨天 夜跑 地铁 午后 花香 晚风"
).split()

Answer = Callable[[ChatRequest], str]


def varied_note(request: ChatRequest) -> str:
    """A valid Xiaohongshu note that differs with the request's seed."""
    rng = random.Random(request.params.seed)
    body = "，".join(rng.sample(WORDS, 8)) + "。山茶集面霜陪你" + rng.choice(WORDS) + "。"
    return json.dumps(
        {"title": "".join(rng.sample(WORDS, 3)), "body": body, "hashtags": rng.sample(WORDS, 3)},
        ensure_ascii=False,
    )


def is_rewrite(request: ChatRequest) -> bool:
    return "上一版" in request.messages[-1].content or "Previous version" in request.messages[-1].content


class ScriptedLLM:
    """Answers from a script (consumed in order), then from ``fallback``; records every request."""

    name = "scripted"
    model_id = "scripted-1"

    def __init__(
        self,
        script: Sequence[str] = (),
        fallback: Answer = varied_note,
        *,
        supports_json_schema: bool = False,
        error: str | None = None,
    ) -> None:
        self.script = list(script)
        self.fallback = fallback
        self.supports_json_schema = supports_json_schema
        self.error = error
        self.requests: list[ChatRequest] = []
        self.calls = 0
        self.loaded = False

    def load(self) -> None:
        self.loaded = True

    def close(self) -> None:
        self.loaded = False

    def chat(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        self.calls += 1
        self.requests += requests
        return [self._answer(r) for r in requests]

    def _answer(self, request: ChatRequest) -> ChatResult:
        if self.error is not None:
            return ChatResult(
                text="",
                finish_reason="error",
                prompt_tokens=0,
                completion_tokens=0,
                seconds=0.0,
                model=self.model_id,
                error=self.error,
            )
        text = self.script.pop(0) if self.script else self.fallback(request)
        return ChatResult(
            text=text,
            finish_reason="stop",
            prompt_tokens=len(_prompt(request)) // 2,
            completion_tokens=max(1, len(text) // 2),
            seconds=0.01,
            model=self.model_id,
        )


def _prompt(request: ChatRequest) -> str:
    return "".join(m.content for m in request.messages)


def note(title: str, body: str, tags: Sequence[str] = ("护肤", "面霜")) -> str:
    return json.dumps({"title": title, "body": body, "hashtags": list(tags)}, ensure_ascii=False)


def test_scripted_llm_implements_the_backend_protocol() -> None:
    llm = ScriptedLLM()
    assert isinstance(llm, LLMBackend)


def test_scripted_llm_answers_in_order_then_falls_back() -> None:
    llm = ScriptedLLM([note("一", "二" * 30)])
    request = ChatRequest(messages=(ChatMessage(role="user", content="hi"),), params=SamplingParams(seed=3))
    first, second = llm.chat([request, request])
    assert json.loads(first.text)["title"] == "一"
    assert re.search("山茶集", json.loads(second.text)["body"])
    assert llm.requests == [request, request]
