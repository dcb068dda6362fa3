"""The compliance engine: normalise, match every applicable rule at once, apply context, explain.

Terms of every rule go into one Aho-Corasick automaton; regex patterns run only when one of their
trigger literals occurs (or always, when a rule names none). Findings carry spans in the ORIGINAL text.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

import ahocorasick

from compliance_rules.compiled import CompiledRule, norm
from compliance_rules.errors import InvalidCheckInput
from compliance_rules.loader import builtin_pack_paths, load_packs
from compliance_rules.models import CheckResult, Finding, Severity, Source, verdict_of
from compliance_rules.normalize import SENTENCE_PUNCT, Normalized, normalize
from compliance_rules.schema import Pack
from compliance_rules.taxonomy import resolve_industry, resolve_platform

MAX_TEXT_CHARS = 100_000
_SEVERITY_RANK = {Severity.BLOCK: 3, Severity.WARN: 2, Severity.INFO: 1}


class _Hit(NamedTuple):
    rule: int
    start: int
    end: int


def _automaton(words: dict[str, list[int]]) -> ahocorasick.Automaton | None:
    if not words:
        return None
    automaton = ahocorasick.Automaton()
    for word, rules in words.items():
        automaton.add_word(word, (len(word), tuple(rules)))
    automaton.make_automaton()
    return automaton


def _sentences(text: str) -> list[int]:
    """Start offsets of the sentences of ``text`` (split after 。！？; and newlines)."""
    starts = [0]
    starts.extend(i + 1 for i, ch in enumerate(text) if ch in SENTENCE_PUNCT)
    return starts


class Engine:
    """Applies rule packs to text. Build once (it compiles every rule); ``check_text`` is thread-safe."""

    def __init__(self, packs: Sequence[Pack]) -> None:
        self.packs = tuple(packs)
        self.rules = [CompiledRule.of(pack, rule) for pack in self.packs for rule in pack.rules]
        terms: dict[str, list[int]] = {}
        triggers: dict[str, list[int]] = {}
        self._untriggered: list[int] = []
        for index, compiled in enumerate(self.rules):
            for term in compiled.terms:
                terms.setdefault(term, []).append(index)
            if compiled.patterns:
                if compiled.triggers:
                    for trigger in compiled.triggers:
                        triggers.setdefault(trigger, []).append(index)
                else:
                    self._untriggered.append(index)
        self._terms = _automaton(terms)
        self._triggers = _automaton(triggers)
        allow: dict[str, list[int]] = {}
        for pack_index, pack in enumerate(self.packs):
            for word in {norm(name) for name in pack.allow} - {""}:
                allow.setdefault(word, []).append(pack_index)
        self._allow = _automaton(allow)
        self._pack_index = {id(pack): index for index, pack in enumerate(self.packs)}
        self.specs = {p: pack.specs for pack in self.packs if pack.specs for p in pack.platforms}

    @classmethod
    def builtin(cls) -> Engine:
        """The engine over the packs shipped in ``compliance_rules/packs`` (built once per process)."""
        return _builtin_engine()

    @lru_cache(maxsize=256)  # noqa: B019 - engines live for the process; the cache is their own
    def _applicable(self, industry: str | None, platform: str | None) -> frozenset[int]:
        return frozenset(i for i, r in enumerate(self.rules) if r.applies(industry, platform))

    def check_text(
        self,
        text: str,
        *,
        industry: str | None = None,
        platform: str | None = None,
        source: Source = Source.TEXT,
    ) -> CheckResult:
        """Check one piece of copy; unknown industry/platform, empty or oversized text are refused."""
        if not isinstance(text, str) or not text.strip():
            raise InvalidCheckInput("the text is empty", code="empty_text")
        if len(text) > MAX_TEXT_CHARS:
            raise InvalidCheckInput(
                f"the text has {len(text)} characters; at most {MAX_TEXT_CHARS} are checked at once",
                code="text_too_long",
                details={"limit": MAX_TEXT_CHARS},
            )
        findings = self.findings(text, resolve_industry(industry), resolve_platform(platform), source)
        return CheckResult(
            verdict=verdict_of(findings),
            findings=findings,
            rewrite=rewrite(text, findings),
            packs=[p.ref for p in self.packs],
        )

    def findings(
        self,
        text: str,
        industry: str | None,
        platform: str | None,
        source: Source,
        normalized: Normalized | None = None,
    ) -> list[Finding]:
        """Findings for already validated input (industry and platform canonical)."""
        normalized = normalized or normalize(text)
        allowed = self._applicable(industry, platform)
        starts = _sentences(normalized.text)
        hits = self._hits(normalized.text, allowed, starts)
        if not hits:
            return []
        allowed_spans = self._allowed_spans(normalized.text)
        kept: list[tuple[_Hit, Finding]] = []
        for hit in hits:
            compiled = self.rules[hit.rule]
            index = bisect.bisect_right(starts, hit.start) - 1
            sentence = (starts[index], starts[index + 1] if index + 1 < len(starts) else len(normalized.text))
            spans = allowed_spans.get(self._pack_index[id(compiled.pack)], [])
            if compiled.accepts(normalized, hit.start, hit.end, sentence, spans):
                kept.append((hit, _finding(compiled, normalized, text, hit, source)))
        return _dedupe(kept)

    def _allowed_spans(self, text: str) -> dict[int, list[tuple[int, int]]]:
        """Where each pack's allowed names (国家地理…) occur in ``text``, by pack index."""
        spans: dict[int, list[tuple[int, int]]] = {}
        if self._allow is not None:
            for end, (length, packs) in self._allow.iter(text):
                for pack in packs:
                    spans.setdefault(pack, []).append((end - length + 1, end + 1))
        return spans

    def _hits(self, text: str, allowed: frozenset[int], starts: list[int]) -> list[_Hit]:
        """Term hits, then each triggered rule's patterns over the sentences where a trigger occurs."""
        hits: list[_Hit] = []
        if self._terms is not None:
            for end, (length, rules) in self._terms.iter(text):
                for rule in rules:
                    if rule in allowed:
                        hits.append(_Hit(rule, end - length + 1, end + 1))
        windows: dict[int, set[int]] = {}
        if self._triggers is not None:
            for end, (_, rules) in self._triggers.iter(text):
                sentence = bisect.bisect_right(starts, end) - 1
                for rule in rules:
                    if rule in allowed:
                        windows.setdefault(rule, set()).add(sentence)
        size = len(text)
        for index in self._untriggered:
            if index in allowed:
                hits.extend(self._scan(index, text, [(0, size)]))
        for index, sentences in windows.items():
            spans = [(starts[i], starts[i + 1] if i + 1 < len(starts) else size) for i in sorted(sentences)]
            hits.extend(self._scan(index, text, spans))
        return hits

    def _scan(self, index: int, text: str, spans: list[tuple[int, int]]) -> list[_Hit]:
        found: list[_Hit] = []
        for pattern in self.rules[index].patterns:
            for start, end in spans:  # lookbehinds still see the text before ``start``
                for match in pattern.finditer(text, start, end):
                    left, right = match.span()
                    if right > left:
                        found.append(_Hit(index, left, right))
        return found


def _finding(compiled: CompiledRule, normalized: Normalized, text: str, hit: _Hit, source: Source) -> Finding:
    start, end = normalized.original_span(hit.start, hit.end)
    rule = compiled.rule
    replacement = compiled.rewrites.get(normalized.text[hit.start : hit.end])
    matched = text[start:end]
    suggestion = f"将“{matched}”改为“{replacement}”" if replacement is not None else rule.suggestion
    if replacement is not None and rule.suggestion:
        suggestion = f"{suggestion}；{rule.suggestion}"
    return Finding(
        category=rule.category,
        rule_id=compiled.key,
        severity=rule.severity,
        span=(start, end),
        matched=matched,
        law_ref=rule.law_ref,
        message=rule.message,
        suggestion=suggestion,
        source=source,
        rewrite=replacement,
    )


def _dedupe(kept: list[tuple[_Hit, Finding]]) -> list[Finding]:
    """One finding per place and category: the most severe, then the longest match, wins."""
    ordered = sorted(
        kept,
        key=lambda item: (
            -_SEVERITY_RANK[item[1].severity],
            -((item[1].span or (0, 0))[1] - (item[1].span or (0, 0))[0]),
            item[1].rule_id,
        ),
    )
    chosen: list[Finding] = []
    for _, finding in ordered:
        span = finding.span or (0, 0)
        clash = any(
            other.category == finding.category
            and other.span is not None
            and other.span[0] < span[1]
            and span[0] < other.span[1]
            for other in chosen
        )
        if not clash:
            chosen.append(finding)
    return sorted(chosen, key=lambda f: ((f.span or (0, 0))[0], f.category, f.rule_id))


def rewrite(text: str, findings: Sequence[Finding]) -> str | None:
    """``text`` with every known replacement applied (non-overlapping, left to right), or None."""
    edits = sorted(
        (f.span[0], f.span[1], f.rewrite) for f in findings if f.rewrite is not None and f.span is not None
    )
    if not edits:
        return None
    out: list[str] = []
    pos = 0
    for start, end, replacement in edits:
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(replacement)
        pos = end
    out.append(text[pos:])
    return "".join(out)


@lru_cache(maxsize=1)
def _builtin_engine() -> Engine:
    return Engine(load_packs(builtin_pack_paths()))


__all__ = ["MAX_TEXT_CHARS", "Engine", "rewrite"]
