"""Rules compiled for matching: regexes, exceptions and rewrites on the normalised form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from compliance_rules.normalize import Normalized, normalize
from compliance_rules.schema import ContextException, Pack, Rule


def norm(text: str) -> str:
    """The normalised form of a term as written in a pack."""
    return normalize(text).text


@dataclass(frozen=True)
class CompiledException:
    followed_by: re.Pattern[str] | None
    preceded_by: re.Pattern[str] | None
    sentence: re.Pattern[str] | None
    within: tuple[str, ...]
    window: int

    @classmethod
    def of(cls, exc: ContextException) -> CompiledException:
        return cls(
            re.compile(exc.followed_by) if exc.followed_by else None,
            re.compile(exc.preceded_by + r"$") if exc.preceded_by else None,
            re.compile(exc.sentence) if exc.sentence else None,
            tuple(norm(w) for w in exc.within),
            exc.window,
        )

    def excuses(self, text: str, start: int, end: int, sentence: str) -> bool:
        """Whether the match text[start:end] is an innocent use (ALL given conditions hold)."""
        if self.followed_by is not None and not self.followed_by.match(text[end : end + self.window]):
            return False
        if self.preceded_by is not None and not self.preceded_by.search(
            text[max(0, start - self.window) : start]
        ):
            return False
        if self.sentence is not None and not self.sentence.search(sentence):
            return False
        return not self.within or inside_any(text, start, end, self.within)


def inside_any(text: str, start: int, end: int, names: tuple[str, ...]) -> bool:
    """Whether [start, end) lies inside an occurrence of one of ``names`` in ``text``."""
    for name in names:
        pos = text.find(name, max(0, end - len(name)))
        while pos != -1 and pos <= start:
            if pos + len(name) >= end:
                return True
            pos = text.find(name, pos + 1)
    return False


_UNSAFE_TO_COMBINE = re.compile(r"\\[1-9]|\(\?P=|^\(\?[aiLmsux]+\)")


def _combined(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """A rule's patterns as one alternation (one scan instead of many), unless one uses a backreference or
    a global inline flag, which an alternation would change."""
    if len(patterns) > 1 and not any(_UNSAFE_TO_COMBINE.search(p) for p in patterns):
        return (re.compile("|".join(f"(?:{p})" for p in patterns)),)
    return tuple(re.compile(p) for p in patterns)


@dataclass
class CompiledRule:
    """A rule ready to run, with its pack's context."""

    key: str
    pack: Pack
    rule: Rule
    terms: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    triggers: tuple[str, ...]
    requires: tuple[re.Pattern[str], ...]
    exceptions: tuple[CompiledException, ...]
    allow: tuple[str, ...]
    rewrites: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, pack: Pack, rule: Rule) -> CompiledRule:
        return cls(
            key=f"{pack.pack}/{rule.id}",
            pack=pack,
            rule=rule,
            terms=tuple(dict.fromkeys(t for t in (norm(t) for t in rule.terms) if t)),
            patterns=_combined(rule.patterns),
            triggers=tuple(dict.fromkeys(t for t in (norm(t) for t in rule.triggers) if t)),
            requires=tuple(re.compile(p) for p in rule.requires),
            exceptions=tuple(CompiledException.of(e) for e in rule.exceptions),
            allow=tuple(norm(a) for a in pack.allow),
            rewrites={norm(k): v for k, v in rule.rewrites.items()},
        )

    def applies(self, industry: str | None, platform: str | None) -> bool:
        rule, pack = self.rule, self.pack
        if pack.kind == "industry" and industry not in pack.industries:
            return False
        if pack.kind == "platform" and platform not in pack.platforms:
            return False
        if rule.industries and industry not in rule.industries:
            return False
        if rule.platforms and platform not in rule.platforms:
            return False
        return not (platform is not None and platform in rule.except_platforms)

    def accepts(
        self,
        normalized: Normalized,
        start: int,
        end: int,
        sentence: tuple[int, int],
        allowed_spans: list[tuple[int, int]] | None = None,
    ) -> bool:
        """Requires met and no exception or allowed name excuses the match.

        ``allowed_spans``: where the pack's allowed names occur (computed once per text by the engine);
        None to search for them here."""
        text = normalized.text
        sentence_text = text[sentence[0] : sentence[1]]
        if any(not pattern.search(sentence_text) for pattern in self.requires):
            return False
        if self.allow:
            if allowed_spans is None:
                if inside_any(text, start, end, self.allow):
                    return False
            elif any(s <= start and end <= e for s, e in allowed_spans):
                return False
        return not any(e.excuses(text, start, end, sentence_text) for e in self.exceptions)
