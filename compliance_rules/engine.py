"""The compliance engine: normalise, match every applicable rule at once, apply context, explain.

Terms of every rule, the triggers of its patterns and the packs' allowed names go into one Aho-Corasick
automaton, so the text is walked once; regex patterns run only when one of their trigger literals occurs
(or always, when a rule names none). Which rules apply to an industry and platform is worked out once per
scope. Hits are plain tuples until the dedupe has chosen them; only those become ``Finding`` models.
Findings carry spans in the ORIGINAL text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from compliance_rules.compiled import CompiledRule, norm
from compliance_rules.errors import InvalidCheckInput
from compliance_rules.literals import Literals
from compliance_rules.loader import builtin_packs
from compliance_rules.models import CheckResult, Finding, Severity, Source, verdict_of
from compliance_rules.normalize import SENTENCE_PUNCT, Normalized, normalize
from compliance_rules.schema import Pack
from compliance_rules.taxonomy import resolve_industry, resolve_platform

MAX_TEXT_CHARS = 100_000
_SEVERITY_RANK = {Severity.BLOCK: 3, Severity.WARN: 2, Severity.INFO: 1}
_MAX_PLANS = 1024
_SENTENCE_END = re.compile("[" + "".join(re.escape(ch) for ch in sorted(SENTENCE_PUNCT)) + "]")


_Hit = tuple[int, int, int]
"""(rule index, start, end) of a match in the normalised text; plain tuples, as a check makes many."""
_Kept = tuple[int, int, int, CompiledRule, _Hit]
"""An accepted hit: (severity rank, start, end in the ORIGINAL text, its rule, the hit)."""


_Word = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]
"""What one automaton word means: the rules it is a term of, the rules whose patterns it triggers and the
packs that allow it as a name (plain tuples of ints: the garbage collector stops tracking them)."""


class _Plan(NamedTuple):
    """The engine under one (industry, platform): which rules apply (a byte per rule), and the rules
    without triggers among them. Two objects per scope, so plans made while serving (after the app froze
    its startup heap out of the collector's reach) add nothing for a full collection to walk."""

    applies: bytes
    untriggered: tuple[int, ...]


class _Matches(NamedTuple):
    """One walk of the automaton over a text."""

    terms: list[_Hit]
    windows: dict[int, list[int]]
    """Per triggered rule, the sentences (ascending, distinct) its patterns must run in."""
    allowed: dict[int, list[tuple[int, int]]]


def _sentences(text: str) -> list[int]:
    """Start offsets of the sentences of ``text`` (split after 。！？; and newlines)."""
    starts = [0]
    starts.extend(match.end() for match in _SENTENCE_END.finditer(text))
    return starts


class _Vocabulary:
    """Every literal the engine looks for, numbered; with the rules and packs that use each."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.terms: list[list[int]] = []
        self.triggers: list[list[int]] = []
        self.allow: list[list[int]] = []

    def of(self, word: str) -> int:
        """The id of ``word``, added on first sight."""
        found = self.ids.get(word)
        if found is None:
            found = self.ids[word] = len(self.ids)
            self.terms.append([])
            self.triggers.append([])
            self.allow.append([])
        return found

    def words(self) -> tuple[_Word, ...]:
        """Per word id, its rules and packs."""
        return tuple(
            (tuple(terms), tuple(triggers), tuple(allow))
            for terms, triggers, allow in zip(self.terms, self.triggers, self.allow, strict=True)
        )

    def literals(self) -> Literals[tuple[int, int]]:
        """The search for every word; each maps to (id, length)."""
        return Literals({word: (index, len(word)) for word, index in self.ids.items()})


class Engine:
    """Applies rule packs to text. Build once (it compiles every rule); ``check_text`` is thread-safe."""

    def __init__(self, packs: Sequence[Pack]) -> None:
        self.packs = tuple(packs)
        self.rules = [CompiledRule.of(pack, rule) for pack in self.packs for rule in pack.rules]
        self.pack_refs = tuple(pack.ref for pack in self.packs)
        """``name@version`` of each pack, as results report them."""
        pack_index = {id(pack): index for index, pack in enumerate(self.packs)}
        self._rule_pack = [pack_index[id(compiled.pack)] for compiled in self.rules]
        self._patterns = [compiled.patterns for compiled in self.rules]
        vocabulary = _Vocabulary()
        untriggered: list[int] = []
        for index, compiled in enumerate(self.rules):
            for term in compiled.terms:
                vocabulary.terms[vocabulary.of(term)].append(index)
            if compiled.patterns:
                if compiled.triggers:
                    for trigger in compiled.triggers:
                        vocabulary.triggers[vocabulary.of(trigger)].append(index)
                else:
                    untriggered.append(index)
        for index, pack in enumerate(self.packs):
            for word in {norm(name) for name in pack.allow} - {""}:
                vocabulary.allow[vocabulary.of(word)].append(index)
        self._words = vocabulary.words()
        self._untriggered = tuple(untriggered)
        self._literals = vocabulary.literals()
        self.specs = {p: pack.specs for pack in self.packs if pack.specs for p in pack.platforms}
        self._plans: dict[tuple[str | None, str | None], _Plan] = {}

    @classmethod
    def builtin(cls) -> Engine:
        """The engine over the packs shipped in ``compliance_rules/packs`` (built once per process)."""
        return _builtin_engine()

    def _plan(self, industry: str | None, platform: str | None) -> _Plan:
        """The plan for a scope, made on first use (a dict: cheaper per check than an lru_cache)."""
        plan = self._plans.get((industry, platform))
        if plan is None:
            plan = self._make_plan(industry, platform)
            if len(self._plans) < _MAX_PLANS:  # scopes are canonical names, so few; bounded anyway
                self._plans[(industry, platform)] = plan
        return plan

    def _make_plan(self, industry: str | None, platform: str | None) -> _Plan:
        applies = bytes(r.applies(industry, platform) for r in self.rules)
        return _Plan(applies, tuple(r for r in self._untriggered if applies[r]))

    def check_text(
        self,
        text: str,
        *,
        industry: str | None = None,
        platform: str | None = None,
        source: Source = Source.TEXT,
    ) -> CheckResult:
        """Check one piece of copy; unknown industry/platform, empty or oversized text are refused (and text
        that is not a ``str`` is a TypeError, as the compiled engine raises at the call)."""
        if not isinstance(text, str):
            raise TypeError(f"str object expected; got {type(text).__name__}")
        if not text.strip():
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
            packs=list(self.pack_refs),
        )

    def findings(
        self,
        text: str,
        industry: str | None,
        platform: str | None,
        source: Source,
        normalized: Normalized | None = None,
        negated: set[str] | None = None,
    ) -> list[Finding]:
        """Findings for already validated input (industry and platform canonical). ``negated``, when
        given, receives the categories of hits a ``negation`` exception excused (the copy denies, refutes or
        quotes the claim): the second opinions do not raise those categories again."""
        normalized = normalized or normalize(text)
        plan = self._plan(industry, platform)
        starts = _sentences(normalized.text)
        bounds = list(zip(starts, [*starts[1:], len(normalized.text)], strict=True))  # each sentence
        matches = self._match(normalized.text, plan, starts)
        hits = self._hits(normalized.text, plan, bounds, matches)
        if not hits:
            return []
        kept = self._chosen(normalized, hits, starts, bounds, matches.allowed, negated)
        return [_finding(k[3], normalized, text, k, source) for k in kept]

    def _match(self, text: str, plan: _Plan, starts: list[int]) -> _Matches:
        """Term hits, the sentences where each triggered rule's patterns must run, and where each pack's
        allowed names (国家地理…) occur, by pack index: all from one walk of the automaton."""
        matches = _Matches([], {}, {})
        terms, windows, allowed = matches
        words, applies = self._words, plan.applies
        for end, (index, length) in self._literals.find(text):
            rules, triggered, packs = words[index]
            for rule in rules:
                if applies[rule]:
                    terms.append((rule, end - length + 1, end + 1))
            sentence = -1
            for rule in triggered:
                if applies[rule]:
                    if sentence < 0:
                        sentence = bisect.bisect_right(starts, end) - 1
                    found = windows.get(rule)
                    if found is None:
                        windows[rule] = [sentence]
                    elif found[-1] != sentence:  # matches come by end position: sentences ascend
                        found.append(sentence)
            for pack in packs:
                allowed.setdefault(pack, []).append((end - length + 1, end + 1))
        return matches

    def _hits(self, text: str, plan: _Plan, bounds: list[tuple[int, int]], matches: _Matches) -> list[_Hit]:
        """Term hits, then each triggered rule's patterns over the sentences where a trigger occurs."""
        hits = matches.terms
        whole = [(0, len(text))]
        for index in plan.untriggered:
            self._scan(index, text, whole, hits)
        # the triggered rules, as ``_scan`` runs them (pattern by pattern, span by span: the same hits in the
        # same order), inlined: this loop runs a few dozen times per check and the call cost showed
        append, patterns = hits.append, self._patterns
        for index, sentences in matches.windows.items():
            for pattern in patterns[index]:
                for i in sentences:
                    start, end = bounds[i]
                    for match in pattern.finditer(text, start, end):
                        left, right = match.span()
                        if right > left:
                            append((index, left, right))
        return hits

    def _scan(self, index: int, text: str, spans: list[tuple[int, int]], hits: list[_Hit]) -> None:
        """Append the non-empty matches of rule ``index``'s patterns within ``spans`` to ``hits``."""
        for pattern in self._patterns[index]:
            for start, end in spans:  # lookbehinds still see the text before ``start``
                for match in pattern.finditer(text, start, end):
                    left, right = match.span()
                    if right > left:
                        hits.append((index, left, right))

    def _chosen(
        self,
        normalized: Normalized,
        hits: list[_Hit],
        starts: list[int],
        bounds: list[tuple[int, int]],
        allowed: dict[int, list[tuple[int, int]]],
        negated: set[str] | None = None,
    ) -> list[_Kept]:
        """One accepted hit per place and category, in text order, with its span in the original text.

        The same choice as accepting every hit no context excuses, then keeping per category the most
        severe, then the longest, of overlapping ones; but hits are taken in that order of preference and
        a hit that overlaps one already chosen in its category is passed over without running its context
        checks (the costly part of a check), since it would lose to that one anyway."""
        rules, rule_pack = self.rules, self._rule_pack
        original_starts, original_ends = normalized.starts, normalized.ends
        candidates: list[_Kept] = []
        for hit in hits:
            compiled = rules[hit[0]]
            rank = _SEVERITY_RANK[compiled.rule.severity]
            candidates.append((rank, original_starts[hit[1]], original_ends[hit[2] - 1], compiled, hit))
        if len(candidates) > 1:
            candidates.sort(key=_preference)
        no_spans: list[tuple[int, int]] = []
        taken: dict[str, list[tuple[int, int]]] = {}
        chosen: list[_Kept] = []
        for candidate in candidates:
            _, left, right, compiled, (rule, start, end) = candidate
            spans = taken.get(compiled.rule.category)
            if spans is not None and any(s < right and left < e for s, e in spans):
                continue
            sentence = bounds[bisect.bisect_right(starts, start) - 1]
            if compiled.accepts(normalized, start, end, sentence, allowed.get(rule_pack[rule], no_spans)):
                if spans is None:
                    taken[compiled.rule.category] = [(left, right)]
                else:
                    spans.append((left, right))
                chosen.append(candidate)
            elif negated is not None and compiled.negated(normalized, start, end, sentence):
                negated.add(compiled.rule.category)
        if len(chosen) > 1:
            chosen.sort(key=_text_order)
        return chosen


def _finding(
    compiled: CompiledRule, normalized: Normalized, text: str, kept: _Kept, source: Source
) -> Finding:
    """The finding of an accepted hit, with its rewrite and suggestion."""
    _, start, end, _, (_, hit_start, hit_end) = kept
    rule = compiled.rule
    replacement = compiled.rewrites.get(normalized.text[hit_start:hit_end])
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


def _preference(kept: _Kept) -> tuple[int, int, str]:
    """Most severe first, then the longest match, then by rule key (stable for ties)."""
    return (-kept[0], kept[1] - kept[2], kept[3].key)


def _text_order(kept: _Kept) -> tuple[int, str, str]:
    return (kept[1], kept[3].rule.category, kept[3].key)


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
    return Engine(builtin_packs())


__all__ = ["MAX_TEXT_CHARS", "Engine", "rewrite"]
