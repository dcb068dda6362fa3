"""Rules compiled for matching: regexes, exceptions and rewrites on the normalised form."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Any

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
    a global inline flag, which an alternation would change. Each is guarded by its first characters."""
    if len(patterns) > 1 and not any(_UNSAFE_TO_COMBINE.search(p) for p in patterns):
        return (re.compile(guarded("|".join(f"(?:{p})" for p in patterns))),)
    return tuple(re.compile(guarded(p)) for p in patterns)


_parser: Any = importlib.import_module("re._parser")  # the stdlib's own regex parser (no public API)
_ops: Any = importlib.import_module("re._constants")
_Chars = tuple[set[str], set[tuple[int, int]]]


def guarded(pattern: str) -> str:
    """``pattern`` behind a look-ahead for the characters a match can start with (``(?=[最第])…``), when
    they can be worked out: the regex engine then skips most positions with one set test instead of trying
    every branch of a long alternation there. Matches are unchanged: every match starts with one of them."""
    try:
        parsed = _parser.parse(pattern)
    except re.error:
        return pattern
    if parsed.state.flags & ~_ops.SRE_FLAG_UNICODE:
        return pattern  # inline flags (ignore case…) change what a literal matches
    first = _first_chars(list(parsed))
    if first is None or first[1]:
        return pattern
    (chars, ranges), _ = first
    if not chars and not ranges:
        return pattern
    members = "".join(re.escape(c) for c in sorted(chars))
    members += "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in sorted(ranges))
    return f"(?=[{members}])(?:{pattern})"


def _first_chars(items: list[Any]) -> tuple[_Chars, bool] | None:
    """The characters a match of the parsed sequence ``items`` can start with, and whether it can match
    the empty string; None when unknown (any char, classes like \\d, negated sets, backreferences…)."""
    chars: set[str] = set()
    ranges: set[tuple[int, int]] = set()
    for op, arg in items:
        if op in (_ops.AT, _ops.ASSERT, _ops.ASSERT_NOT):
            continue  # zero-width: the first character consumed comes later
        if op is _ops.LITERAL:
            chars.add(chr(arg))
            return (chars, ranges), False
        if op is _ops.IN:
            for member, value in arg:
                if member is _ops.LITERAL:
                    chars.add(chr(value))
                elif member is _ops.RANGE:
                    ranges.add((value[0], value[1]))
                else:
                    return None
            return (chars, ranges), False
        alternatives: list[list[Any]]
        if op is _ops.SUBPATTERN:
            alternatives, optional = [list(arg[-1])], False
        elif op is _ops.BRANCH:
            alternatives, optional = [list(branch) for branch in arg[1]], False
        elif op in (_ops.MAX_REPEAT, _ops.MIN_REPEAT):
            alternatives, optional = [list(arg[2])], arg[0] == 0
        else:
            return None
        may_be_empty = optional
        for alternative in alternatives:
            found = _first_chars(alternative)
            if found is None:
                return None
            (sub_chars, sub_ranges), empty = found
            chars |= sub_chars
            ranges |= sub_ranges
            may_be_empty = may_be_empty or empty
        if not may_be_empty:
            return (chars, ranges), False
    return (chars, ranges), True


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
