"""brief → N distinct, compliant variants in the platform's shape: generate, parse and enforce limits,
cut out copied directions, check compliance (fix or rewrite), de-duplicate (a near-duplicate is re-asked,
shown the variant it is too close to), top up.

Two schedules, chosen by the backend. A backend that serves single requests concurrently (it has
``concurrent_requests``: llama.cpp's slots, an OpenAI-compatible server, the Ray Serve gateway whose
deployment batches across callers) is kept full: each answer is settled as it lands and the next request
goes out at once, so no slot waits for the slowest request of a round, and new requests stop as soon as
the ones in flight are expected to fill the target. Other backends (transformers, which batches inside one
call) get rounds of ``batch_size`` requests."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from compliance_rules.brand import BrandVI
from compliance_rules.checker import Checker
from pipelines.embeddings.text import TextEncoder
from pipelines.llm.protocol import LLMBackend, LLMError
from pipelines.llm.types import ChatRequest, ChatResult, SamplingParams
from serving.generation.copy_settings import CopywritingSettings
from serving.generation.copywriting.brief import CopyBrief, parse_brief, with_brand_kit
from serving.generation.copywriting.compliance_loop import Checked, ComplianceGate
from serving.generation.copywriting.dedupe import Deduper
from serving.generation.copywriting.errors import GenerationFailed
from serving.generation.copywriting.formats import CopyFormat, FormatViolation, format_for
from serving.generation.copywriting.guard import sanitise
from serving.generation.copywriting.parse import ParseFailure, parse_answer
from serving.generation.copywriting.planner import Plan, derive_seed, plans
from serving.generation.copywriting.prompts import (
    PROMPT_VERSION,
    composed_fields,
    copies_directions,
    diversify_messages,
    generation_messages,
    max_tokens,
    rewrite_messages,
    shifted_plan,
    strip_directions,
)
from serving.generation.copywriting.result import (
    CopyProgress,
    CopyResult,
    CopyStats,
    Lineage,
    Status,
    Variant,
)

ProgressCallback = Callable[[CopyProgress], None]
CancelCheck = Callable[[], None]
"""Called between requests; raises (e.g. ``JobCancelled``) to stop the run, with nothing more sent."""


RETITLE_TRIES = 8
"""Composed titles tried on a near-duplicate listing before it is re-asked."""


def _never_cancelled() -> None:
    return None


@dataclass
class _Task:
    plan: Plan
    attempts: int = 0
    previous: Checked | None = None
    fixes: list[str] = field(default_factory=list)
    too_close_to: str | None = None
    """Set while the task is re-asked because ``previous`` was a near-duplicate of this accepted text."""
    diversified: int = 0


@dataclass
class _Run:
    """The state of one run."""

    brief: CopyBrief
    fmt: CopyFormat
    gate: ComplianceGate
    check_cancelled: CancelCheck
    dedupe: Deduper
    plans: Iterator[Plan]
    stats: CopyStats
    accepted: list[Variant] = field(default_factory=list)
    reserve: list[Variant] = field(default_factory=list)
    rewrites: list[_Task] = field(default_factory=list)
    new_requests: int = 0
    inflight: int = 0
    """Requests sent and not yet settled (streaming schedule)."""


class CopywritingPipeline:
    """``run(brief)`` → :class:`CopyResult` with exactly ``num_variants`` variants, or fewer and a
    ``shortfall`` reason when the retry budget runs out. Thread-safe: a run keeps its state to itself."""

    def __init__(
        self,
        llm: LLMBackend,
        encoder: TextEncoder,
        checker: Checker,
        settings: CopywritingSettings | None = None,
    ) -> None:
        self.llm = llm
        self.encoder = encoder
        self.checker = checker
        self.settings = settings or CopywritingSettings()

    def run(
        self,
        brief: CopyBrief,
        on_progress: ProgressCallback | None = None,
        *,
        brand: BrandVI | None = None,
        check_cancelled: CancelCheck | None = None,
    ) -> CopyResult:
        """Write ``brief.num_variants`` variants; ``brand`` (the brand kit's VI pack) adds its required and
        forbidden words, with the kit's suggested replacements used as deterministic fixes.
        ``check_cancelled`` is called before each new request goes out and may raise to stop the run
        (requests already in flight are abandoned, not waited for)."""
        started = time.perf_counter()
        brief = with_brand_kit(brief, brand) if brand is not None else parse_brief(brief)
        brief, warnings = sanitise(brief)
        fmt = format_for(brief.platform, brief.length, self.checker.engine.specs)
        gate = ComplianceGate(self.checker, brief, fmt, brand)
        gate.screen_brief()
        run = _Run(
            brief=brief,
            fmt=fmt,
            gate=gate,
            check_cancelled=check_cancelled or _never_cancelled,
            dedupe=Deduper(self.encoder, self.settings.duplicate_cosine),
            plans=plans(brief.seed, len(brief.selling_points)),
            stats=CopyStats(seconds=0.0, llm_seconds=0.0),
        )
        slots = getattr(self.llm, "concurrent_requests", None)
        if isinstance(slots, int) and slots > 0:
            self._stream(run, slots, on_progress)
        else:
            while len(run.accepted) < brief.num_variants:
                run.check_cancelled()
                tasks = self._next_tasks(run, self.settings.batch_size)
                if not tasks:
                    break
                self._round(run, tasks)
                _report(run, on_progress)
        return self._result(run, warnings, time.perf_counter() - started)

    def _budget(self, brief: CopyBrief) -> int:
        return brief.num_variants + math.ceil(brief.num_variants * self.settings.retry_factor) + 2

    def _next_tasks(self, run: _Run, size: int) -> list[_Task]:
        """Pending rewrites first, then new plans for what is still missing (over-asking by the yield);
        requests in flight count as their expected yield."""
        seen = run.new_requests
        settled = seen - len(run.rewrites) - run.inflight
        done = len(run.accepted) + len(run.reserve)
        rate = max(0.3, done / settled) if settled >= 8 else self.settings.expected_yield
        tasks = run.rewrites[:size]
        del run.rewrites[: len(tasks)]
        missing = run.brief.num_variants - len(run.accepted) - len(tasks) - rate * run.inflight
        wanted = min(size - len(tasks), math.ceil(max(0.0, missing) / rate), self._budget(run.brief) - seen)
        for _ in range(max(0, wanted)):
            tasks.append(_Task(plan=next(run.plans)))
        run.new_requests += max(0, wanted)
        return tasks

    def _stream(self, run: _Run, slots: int, on_progress: ProgressCallback | None) -> None:
        """Keep ``slots`` single requests in flight; settle each answer as it lands."""
        started = time.perf_counter()
        pool = ThreadPoolExecutor(slots, thread_name_prefix="copywriter")
        inflight: dict[Future[list[ChatResult]], _Task] = {}
        failures_in_a_row = 0
        try:
            while len(run.accepted) < run.brief.num_variants:
                run.check_cancelled()
                run.inflight = len(inflight)
                for task in self._next_tasks(run, slots - len(inflight)):
                    request = self._request(run, task)
                    inflight[pool.submit(self.llm.chat, [request])] = task
                run.inflight = len(inflight)
                if not inflight:
                    break
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                finished: list[tuple[_Task, Checked]] = []
                for future in done:
                    task = inflight.pop(future)
                    answer = self._answer_of(future)
                    failures_in_a_row = failures_in_a_row + 1 if answer.finish_reason == "error" else 0
                    if failures_in_a_row >= max(slots, 2):
                        raise GenerationFailed(f"{failures_in_a_row} requests failed: {answer.error}")
                    self._count(run, [task])
                    task.attempts += 1
                    checked = self._settle(run, task, answer)
                    if checked is not None:
                        finished.append((task, checked))
                run.inflight = len(inflight)
                self._admit(run, finished)
                _report(run, on_progress)
        finally:
            # Requests still in flight once the target is met are surplus: do not wait for them.
            run.stats.surplus += len(inflight)
            run.stats.llm_seconds += time.perf_counter() - started  # the model is busy throughout
            run.inflight = 0
            pool.shutdown(wait=False, cancel_futures=True)

    def _answer_of(self, future: Future[list[ChatResult]]) -> ChatResult:
        try:
            answers = future.result()
        except LLMError as exc:
            raise GenerationFailed(f"the model backend failed: {exc}") from exc
        if len(answers) != 1:
            raise GenerationFailed(f"the model backend gave {len(answers)} answers to one request")
        return answers[0]

    def _count(self, run: _Run, tasks: list[_Task]) -> None:
        run.stats.rounds += 1
        run.stats.requests += len(tasks)
        run.stats.rewrites += sum(t.previous is not None and t.too_close_to is None for t in tasks)
        run.stats.diversify_requests += sum(t.too_close_to is not None for t in tasks)

    def _request(self, run: _Run, task: _Task) -> ChatRequest:
        s = self.settings
        temperature = s.temperature
        if task.previous is None:
            messages = generation_messages(run.brief, run.fmt, task.plan)
        elif task.too_close_to is not None:
            messages = diversify_messages(
                run.brief, run.fmt, task.plan, task.previous.fields, task.too_close_to
            )
            temperature = max(temperature, s.diversify_temperature)
        else:
            problems = run.gate.feedback(task.previous)
            messages = rewrite_messages(run.brief, run.fmt, task.plan, task.previous.fields, problems)
        params = SamplingParams(
            max_tokens=max_tokens(run.fmt),
            temperature=temperature,
            top_p=s.top_p,
            presence_penalty=s.presence_penalty,
            seed=derive_seed(task.plan.seed, task.attempts),
            json_schema=run.fmt.written().json_schema() if self.llm.supports_json_schema else None,
            avoid_words=run.gate.forbidden_words()[:64],
        )
        return ChatRequest(messages=messages, params=params)

    def _round(self, run: _Run, tasks: list[_Task]) -> None:
        requests = [self._request(run, t) for t in tasks]
        started = time.perf_counter()
        try:
            answers = self.llm.chat(requests)
        except LLMError as exc:
            raise GenerationFailed(f"the model backend failed: {exc}") from exc
        run.stats.llm_seconds += time.perf_counter() - started
        self._count(run, tasks)
        if answers and all(a.finish_reason == "error" for a in answers):
            raise GenerationFailed(f"every request of the round failed: {answers[0].error}")
        finished: list[tuple[_Task, Checked]] = []
        for task, answer in zip(tasks, answers, strict=True):
            task.attempts += 1
            checked = self._settle(run, task, answer)
            if checked is not None:
                finished.append((task, checked))
        self._admit(run, finished)

    def _settle(self, run: _Run, task: _Task, answer: ChatResult) -> Checked | None:
        """Parse, enforce limits and check one answer; None when it is dropped or queued for a rewrite."""
        stats = run.stats
        stats.prompt_tokens += answer.prompt_tokens
        stats.tokens += answer.completion_tokens
        if answer.finish_reason == "error":
            stats.backend_errors += 1
            return self._retry_or_settle(run, task)
        try:
            written = parse_answer(answer.text, run.fmt.written())
            fields, trimmed = run.fmt.enforce(written | composed_fields(run.brief, task.plan, run.fmt))
        except ParseFailure:
            stats.parse_failures += 1
            return self._retry_or_settle(run, task)
        except FormatViolation:
            stats.length_rejects += 1
            return self._retry_or_settle(run, task)
        language = run.brief.language
        if copies_directions(fields, run.fmt, task.plan, language):
            stripped = strip_directions(fields, run.fmt, task.plan, language)
            if stripped is None:
                stats.direction_leaks += 1
                return self._retry_or_settle(run, task)
            stats.directions_stripped += 1
            fields = stripped
            task.fixes.append("directions_stripped")
        task.fixes += [f"trimmed:{name}" for name in trimmed]
        if task.too_close_to is not None:
            task.too_close_to = None
            task.previous = None
            task.fixes.append("diversified")
        elif task.previous is not None:
            task.fixes.append("llm_rewrite")
        checked = run.gate.check(fields)
        if checked.blocked:
            fixed = run.gate.fix(checked)
            if fixed is not None and not fixed.blocked:
                stats.deterministic_fixes += 1
                task.fixes.append("replaced")
                return fixed
            if task.attempts <= self.settings.max_rewrites:
                task.previous = fixed or checked
                run.rewrites.append(task)
                return None
            return fixed or checked
        return checked

    def _retry_or_settle(self, run: _Run, task: _Task) -> Checked | None:
        """A failed rewrite keeps the last good version (flagged); a failed new variant, or re-ask of a
        near-duplicate, is just dropped."""
        return None if task.too_close_to is not None else task.previous

    def _admit(self, run: _Run, finished: list[tuple[_Task, Checked]]) -> None:
        """De-duplicate the round's finished variants against those already accepted, in order."""
        if not finished:
            return
        texts = [run.fmt.flatten(c.fields) for _, c in finished]
        vectors = run.dedupe.embed(texts)
        for (task, checked), text, vector in zip(finished, texts, vectors, strict=True):
            cosine, closest = run.dedupe.closest(vector)
            variant = _variant(task, checked, text, cosine)
            if variant.status == "flagged":
                run.reserve.append(variant)
                continue
            if len(run.accepted) >= run.brief.num_variants:
                run.stats.surplus += 1
            elif run.dedupe.admit(text, vector):
                run.accepted.append(variant)
            elif (retitled := self._retitled(run, task, checked)) is not None:
                run.stats.retitled += 1
                run.accepted.append(retitled)
            else:
                run.stats.duplicates_replaced += 1
                if closest is not None and task.diversified < self.settings.max_diversify:
                    # Re-ask with the variant it is too close to (and hotter sampling): once many variants
                    # are accepted, a fresh plan lands near one of them about as often as not.
                    task.diversified += 1
                    task.previous = checked
                    task.too_close_to = closest
                    if run.fmt.composed:  # a listing re-asked under its plan would get the same title
                        task.plan = shifted_plan(task.plan)
                    run.rewrites.append(task)

    def _retitled(self, run: _Run, task: _Task, checked: Checked) -> Variant | None:
        """A near-duplicate listing under one of the next plans' composed titles (the pipeline writes a
        listing's title from plan keywords, so another title costs no model request): the first that is
        novel and still passes compliance, admitted; None when no title makes it novel."""
        if not run.fmt.composed:
            return None
        plan, candidates = task.plan, []
        for _ in range(RETITLE_TRIES):
            plan = shifted_plan(plan)
            try:
                fields, _ = run.fmt.enforce(checked.fields | composed_fields(run.brief, plan, run.fmt))
            except FormatViolation:
                continue
            candidates.append((plan, fields, run.fmt.flatten(fields)))
        if not candidates:
            return None
        vectors = run.dedupe.embed([text for _, _, text in candidates])
        for (plan, fields, text), vector in zip(candidates, vectors, strict=True):
            cosine = run.dedupe.nearest(vector)
            if cosine > run.dedupe.threshold:
                continue
            recheck = run.gate.check(fields)
            if recheck.blocked or not run.dedupe.admit(text, vector):
                continue
            task.plan = plan
            task.fixes.append("retitled")
            return _variant(task, recheck, text, cosine)
        return None

    def _result(self, run: _Run, warnings: list[str], seconds: float) -> CopyResult:
        target = run.brief.num_variants
        for variant in run.reserve:
            if len(run.accepted) >= target:
                break
            vector = run.dedupe.embed([variant.text])[0]
            if run.dedupe.admit(variant.text, vector):
                run.accepted.append(variant)
        variants = [v.model_copy(update={"index": i}) for i, v in enumerate(run.accepted)]
        stats = run.stats
        stats.seconds = seconds
        stats.flagged = sum(v.status == "flagged" for v in variants)
        stats.surplus += len(run.rewrites) + len(run.reserve) - stats.flagged
        stats.regenerations = max(0, run.new_requests - target)
        stats.tokens_per_s = stats.tokens / stats.llm_seconds if stats.llm_seconds > 0 else 0.0
        shortfall = None
        if len(variants) < target:
            shortfall = (
                f"retry budget spent after {stats.requests} requests: {stats.parse_failures} unreadable, "
                f"{stats.length_rejects} over the limits, {stats.duplicates_replaced} near-duplicates, "
                f"{stats.backend_errors} backend errors"
            )
        lineage = Lineage(
            backend=self.llm.name,
            model_id=self.llm.model_id,
            prompt_version=PROMPT_VERSION,
            seed=run.brief.seed,
            encoder=getattr(self.encoder, "name", type(self.encoder).__name__),
            platform=run.brief.platform,
            shape=run.fmt.shape,
            packs=[p.ref for p in self.checker.engine.packs],
        )
        return CopyResult(
            variants=variants,
            stats=stats,
            lineage=lineage,
            output_schema=run.fmt.json_schema(),
            shortfall=shortfall,
            warnings=warnings,
        )


def _report(run: _Run, on_progress: ProgressCallback | None) -> None:
    if on_progress is not None:
        on_progress(
            CopyProgress(
                accepted=len(run.accepted),
                target=run.brief.num_variants,
                requests=run.stats.requests,
                round=run.stats.rounds,
            )
        )


def _variant(task: _Task, checked: Checked, text: str, nearest: float) -> Variant:
    status: Status
    if checked.blocked:
        status = "flagged"
    elif "replaced" in task.fixes or "llm_rewrite" in task.fixes:
        status = "rewritten"
    else:
        status = "ok"
    return Variant(
        index=0,
        plan=task.plan,
        fields=checked.fields,
        text=text,
        verdict=checked.result.verdict,
        findings=checked.result.findings,
        status=status,
        attempts=task.attempts,
        fixes=list(dict.fromkeys(task.fixes)),
        nearest_cosine=round(nearest, 4),
    )
