"""One front door for checks: copy (body + title), platform specs, brand VI; images and video add pixels."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import Literal

from compliance_rules.brand import BrandVI
from compliance_rules.classifier import NgramClassifier, builtin_classifier
from compliance_rules.engine import MAX_TEXT_CHARS, Engine, rewrite
from compliance_rules.errors import InvalidCheckInput
from compliance_rules.exceptions import ExceptionSet
from compliance_rules.framing import is_reporting
from compliance_rules.models import CheckResult, ExcusedFinding, Finding, Source, verdict_of
from compliance_rules.normalize import normalize
from compliance_rules.semantic import SemanticOpinion, builtin_semantic
from compliance_rules.specs import MediaFacts, media_specs, text_specs
from compliance_rules.taxonomy import resolve_industry, resolve_platform

Depth = Literal["full", "fast"]
"""``full``: rules, the n-gram model and the semantic second opinion (a few ms per text: the default here and
for the review queue, generation and the CLI). ``fast``: rules and the n-gram model only (real-time
interception, thousands of checks per second on one core: the REST check's default)."""
DEPTHS: tuple[Depth, ...] = ("full", "fast")


class Checker:
    """The ad-law, industry and platform engine plus per-brand VI engines (cached by pack content)."""

    def __init__(
        self,
        engine: Engine,
        classifier: NgramClassifier | None = None,
        semantic: SemanticOpinion | None = None,
        *,
        models_skip_negated: bool = True,
    ) -> None:
        self.engine = engine
        self.classifier = classifier
        self.semantic = semantic
        self.models_skip_negated = models_skip_negated
        """Whether the models leave alone the categories whose rule hits a negation excused."""
        self._brand_engines: OrderedDict[str, Engine] = OrderedDict()
        self._lock = Lock()

    @classmethod
    def builtin(cls) -> Checker:
        """The shipped packs and, when present, the shipped n-gram and semantic second opinions."""
        return cls(Engine.builtin(), builtin_classifier(), builtin_semantic())

    def brand_engine(self, brand: BrandVI) -> Engine:
        key = brand.model_dump_json()
        with self._lock:
            engine = self._brand_engines.get(key)
            if engine is None:
                engine = Engine([brand.text_pack()])
                self._brand_engines[key] = engine
                while len(self._brand_engines) > 64:
                    self._brand_engines.popitem(last=False)
            else:
                self._brand_engines.move_to_end(key)
            return engine

    def text_findings(
        self,
        text: str,
        *,
        industry: str | None,
        platform: str | None,
        brand: BrandVI | None,
        source: Source,
        presence: bool = True,
        depth: Depth = "full",
        exceptions: ExceptionSet | None = None,
    ) -> list[Finding]:
        """Rule and model findings on one text (industry and platform already canonical). The models add
        categories the rules missed; once a finding the brand has not excused flags the text, they name
        further categories at their lower secondary bar. They also leave alone the categories whose rule
        hits a negation excused ("不存在什么'全网最低'"): the rules read the negation the models cannot."""
        normalized = normalize(text)
        negated: set[str] | None = set() if self.models_skip_negated else None
        findings = self.engine.findings(text, industry, platform, source, normalized, negated)
        opinions = not is_reporting(normalized.text)  # the models read topic: news of a flag is not an ad
        flagged = any(exceptions is None or exceptions.excuse(f) is None for f in findings)
        if self.classifier is not None and opinions:
            seen = {f.category for f in findings}
            if negated:
                seen |= negated
            found = self.classifier.findings(text, seen, source, normalized.text, flagged=flagged)
            flagged = flagged or bool(found)
            findings += found
        if self.semantic is not None and depth == "full" and opinions:
            seen = {f.category for f in findings}
            if negated:
                seen |= negated
            findings += self.semantic.findings(text, seen, source, flagged=flagged)
        if brand is not None:
            findings += self.brand_engine(brand).findings(text, industry, platform, source, normalized)
            if presence:
                findings += brand.presence_findings(text, source)
        return findings

    def check_copy(
        self,
        text: str,
        *,
        title: str | None = None,
        industry: str | None = None,
        platform: str | None = None,
        brand: BrandVI | None = None,
        media: MediaFacts | None = None,
        exceptions: ExceptionSet | None = None,
        depth: Depth = "full",
    ) -> CheckResult:
        """Check ad copy (and its title) against the law, the industry, the platform and the brand;
        findings the brand's reviewed ``exceptions`` excuse are reported apart. ``depth`` is
        :data:`Depth`."""
        findings = self.copy_findings(
            text,
            title=title,
            industry=industry,
            platform=platform,
            brand=brand,
            media=media,
            depth=depth,
            exceptions=exceptions,
        )
        return self.result(findings, text, exceptions)

    def copy_findings(
        self,
        text: str,
        *,
        title: str | None = None,
        industry: str | None = None,
        platform: str | None = None,
        brand: BrandVI | None = None,
        media: MediaFacts | None = None,
        depth: Depth = "full",
        exceptions: ExceptionSet | None = None,
    ) -> list[Finding]:
        """The findings of :meth:`check_copy`, for callers that add their own and take one verdict
        (``exceptions`` only decide whether the models use their secondary bar; see :meth:`result`)."""
        if not isinstance(text, str):  # as the compiled checker raises at the call
            raise TypeError(f"str object expected; got {type(text).__name__}")
        if depth not in DEPTHS:
            raise InvalidCheckInput(
                f"unknown depth {depth!r}; one of {', '.join(DEPTHS)}", code="unknown_depth"
            )
        for value, what in ((text, "text"), (title, "title")):
            if value is not None and len(value) > MAX_TEXT_CHARS:
                raise InvalidCheckInput(
                    f"the {what} has {len(value)} characters; at most {MAX_TEXT_CHARS}",
                    code="text_too_long",
                    details={"limit": MAX_TEXT_CHARS},
                )
        if not text.strip() and not (title or "").strip():
            raise InvalidCheckInput("the text is empty", code="empty_text")
        industry, platform = resolve_industry(industry), resolve_platform(platform)
        findings: list[Finding] = []
        # the body, then the title (whose brand-required words are the body's to carry: presence False)
        for part, source in ((text, Source.TEXT), (title or "", Source.TITLE)):
            if part.strip():
                findings += self.text_findings(
                    part,
                    industry=industry,
                    platform=platform,
                    brand=brand,
                    source=source,
                    presence=source == Source.TEXT,
                    depth=depth,
                    exceptions=exceptions,
                )
        spec = self.engine.specs.get(platform) if platform else None
        if spec is not None:
            findings += text_specs(spec, platform or "", title=title, body=text)
            if media is not None:
                findings += media_specs(spec, platform or "", media)
        return findings

    def result(
        self, findings: list[Finding], text: str | None, exceptions: ExceptionSet | None = None
    ) -> CheckResult:
        """The verdict over ``findings`` less those the brand's reviewed ``exceptions`` excuse."""
        excused: list[ExcusedFinding] = []
        if exceptions is not None:
            findings, excused = exceptions.split(findings)
        body = [f for f in findings if f.source == Source.TEXT]
        return CheckResult(
            verdict=verdict_of(findings),
            findings=findings,
            rewrite=rewrite(text, body) if text else None,
            packs=list(self.engine.pack_refs),
            excused=excused,
        )
