"""Rules compiled for matching: regexes, exceptions and rewrites on the normalised form."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from compliance_rules.factor import factored
from compliance_rules.framing import SELLING
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
    whole: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None
    """With ``sells_nothing``: the selling cues, none of which may occur anywhere in the text."""

    @classmethod
    def of(cls, exc: ContextException) -> CompiledException:
        return cls(
            re.compile(factored(exc.followed_by)) if exc.followed_by else None,
            re.compile(factored(exc.preceded_by + r"$")) if exc.preceded_by else None,
            re.compile(factored(exc.sentence)) if exc.sentence else None,
            tuple(norm(w) for w in exc.within),
            exc.window,
            re.compile(factored(exc.text)) if exc.text else None,
            SELLING if exc.sells_nothing else None,
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
        if self.whole is not None and not self.whole.search(text):
            return False
        if self.unless is not None and self.unless.search(text):  # after whole: it rarely matches
            return False
        return not self.within or inside_any(text, start, end, self.within)


@dataclass(frozen=True)
class Excuses:
    """A rule's exceptions as the hot path runs them: ``excuses`` answers ``any(e.excuses(...))`` over the
    rule's exceptions, but those with only ``followed_by`` (or only ``preceded_by``) are joined into one regex
    per window, and the single-condition ``sentence`` and ``within`` ones run in place: a call per kind, not
    per exception."""

    followed_by: tuple[tuple[int, re.Pattern[str]], ...] = ()
    preceded_by: tuple[tuple[int, re.Pattern[str]], ...] = ()
    sentences: tuple[re.Pattern[str], ...] = ()
    within: tuple[str, ...] = ()
    others: tuple[CompiledException, ...] = ()
    wholes: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def of(cls, exceptions: tuple[CompiledException, ...]) -> Excuses:
        followed: dict[int, list[CompiledException]] = {}
        preceded: dict[int, list[CompiledException]] = {}
        sentences: list[re.Pattern[str]] = []
        wholes: list[re.Pattern[str]] = []
        within: list[str] = []
        others: list[CompiledException] = []
        for exc in exceptions:
            given = (exc.followed_by, exc.preceded_by, exc.sentence, exc.within or None, exc.whole)
            if sum(condition is not None for condition in given) != 1 or exc.unless is not None:
                others.append(exc)
            elif exc.followed_by is not None:
                followed.setdefault(exc.window, []).append(exc)
            elif exc.preceded_by is not None:
                preceded.setdefault(exc.window, []).append(exc)
            elif exc.sentence is not None:
                sentences.append(exc.sentence)  # not joined: alone, re keeps its fast scan for a prefix
            elif exc.whole is not None:
                wholes.append(exc.whole)
            else:
                within.extend(exc.within)
        followed_by = _joined(followed, lambda e: e.followed_by, others)
        preceded_by = _joined(preceded, lambda e: e.preceded_by, others)
        return cls(followed_by, preceded_by, tuple(sentences), tuple(within), tuple(others), tuple(wholes))

    def excuses(self, text: str, start: int, end: int, sentence: str) -> bool:
        """Whether one of the exceptions excuses the match text[start:end] in ``sentence``."""
        for window, pattern in self.followed_by:
            if pattern.match(text[end : end + window]):
                return True
        for window, pattern in self.preceded_by:
            if pattern.search(text[max(0, start - window) : start]):
                return True
        for pattern in self.sentences:
            if pattern.search(sentence):
                return True
        for pattern in self.wholes:
            if pattern.search(text):
                return True
        if self.within and inside_any(text, start, end, self.within):
            return True
        return any(other.excuses(text, start, end, sentence) for other in self.others)


_UNSAFE_IN_ALTERNATION = re.compile(r"\\[1-9]|\(\?P=|\(\?\(|^\(\?[aiLmsux]+\)")
"""Backreferences and conditionals name groups by number, and global flags must lead the pattern: joined
into one alternation such patterns would change meaning or not compile."""


def _joined(
    groups: dict[int, list[CompiledException]],
    pattern_of: Callable[[CompiledException], re.Pattern[str] | None],
    others: list[CompiledException],
) -> tuple[tuple[int, re.Pattern[str]], ...]:
    """Per window, the exceptions' patterns as one regex; those that cannot be joined go to ``others``."""
    joined: list[tuple[int, re.Pattern[str]]] = []
    for window, group in groups.items():
        pattern = _alternation([p.pattern for p in map(pattern_of, group) if p is not None])
        if pattern is None:
            others.extend(group)
        else:
            joined.append((window, pattern))
    return tuple(joined)


def _alternation(patterns: list[str]) -> re.Pattern[str] | None:
    """One regex that matches (at a position) exactly where one of ``patterns`` does; None if they cannot
    be joined safely (then they run one by one)."""
    if any(_UNSAFE_IN_ALTERNATION.search(p) for p in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns))
    except re.error:  # e.g. a group name used twice
        return None


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
    a global inline flag, which an alternation would change. Each in its :func:`scanning_form`."""
    if len(patterns) > 1 and not any(_UNSAFE_TO_COMBINE.search(p) for p in patterns):
        return (re.compile(scanning_form(factored(uncaptured("|".join(f"(?:{p})" for p in patterns))))),)
    return tuple(re.compile(scanning_form(factored(uncaptured(p)))) for p in patterns)


def uncaptured(pattern: str) -> str:
    """``pattern`` with its capturing groups made non-capturing: the engine only reads where a match starts
    and ends, and the regex engine skips a branch that starts with a literal or a set by one test, but must
    enter one that starts with a group. Patterns that refer to a group (backreferences, conditionals) or do
    not compile after the change are returned as they are."""
    if _REFERS_TO_GROUP.search(pattern):
        return pattern
    out: list[str] = []
    index, first_member = 0, -1  # first_member >= 0: inside a set [...] whose first member is there
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if first_member >= 0:
            if char == "]" and index > first_member:  # a "]" right after "[" or "[^" is a member
                first_member = -1
        elif char == "[":
            first_member = index + 2 if pattern[index + 1 : index + 2] == "^" else index + 1
        elif char == "(" and pattern[index + 1 : index + 2] != "?":
            char = "(?:"
        out.append(char)
        index += 1
    rewritten = "".join(out)
    try:
        re.compile(rewritten)
    except re.error:
        return pattern
    return rewritten


_REFERS_TO_GROUP = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")


_parser: Any = importlib.import_module("re._parser")  # the stdlib's own regex parser (no public API)
_ops: Any = importlib.import_module("re._constants")
_compiler: Any = importlib.import_module("re._compiler")  # its prefix analysis, as re.compile runs it
_Chars = tuple[set[str], set[tuple[int, int]], set[str]]
"""Characters, ranges and class escapes (``\\d``…) a match can start with."""
_CLASS_ESCAPES = {
    _ops.CATEGORY_DIGIT: r"\d",
    _ops.CATEGORY_NOT_DIGIT: r"\D",
    _ops.CATEGORY_SPACE: r"\s",
    _ops.CATEGORY_NOT_SPACE: r"\S",
    _ops.CATEGORY_WORD: r"\w",
    _ops.CATEGORY_NOT_WORD: r"\W",
}


def guarded(pattern: str, *, with_classes: bool = False) -> str:
    """``pattern`` behind a look-ahead for the characters a match can start with (``(?=[最第])…``), when
    they can be worked out: the regex engine then skips most positions with one set test instead of trying
    every branch of a long alternation there. Matches are unchanged: every match starts with one of them.
    ``with_classes``: a first character from a class like ``\\d`` is known too (``(?=[第\\d])…``)."""
    try:
        parsed = _parser.parse(pattern)
    except re.error:
        return pattern
    if parsed.state.flags & ~_ops.SRE_FLAG_UNICODE:
        return pattern  # inline flags (ignore case…) change what a literal matches
    first = _first_chars(list(parsed))
    if first is None or first[1]:
        return pattern
    (chars, ranges, escapes), _ = first
    if (escapes and not with_classes) or not (chars or ranges or escapes):
        return pattern
    members = "".join(re.escape(c) for c in sorted(chars))
    members += "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in sorted(ranges))
    members += "".join(sorted(escapes))
    return f"(?=[{members}])(?:{pattern})"


def scanning_form(pattern: str) -> str:
    """A rule pattern as the engine compiles it: as written when the regex compiler finds a literal prefix
    or a first-character set by itself (it then jumps between candidate positions in C, faster than it
    evaluates a look-ahead at each), else :func:`guarded`, classes included. Matches are unchanged."""
    try:
        parsed = _parser.parse(pattern)
    except re.error:
        return pattern
    if not parsed.state.flags & ~_ops.SRE_FLAG_UNICODE and _native_prefix(parsed):
        return pattern
    return guarded(pattern, with_classes=True)


def _native_prefix(parsed: Any) -> bool:
    """Whether the regex compiler finds a literal prefix or a first-character set for ``parsed`` by itself
    (a leading literal, class, or alternation of literals), as ``re.compile`` does."""
    flags = parsed.state.flags
    return bool(
        _compiler._get_literal_prefix(parsed, flags)[0] or _compiler._get_charset_prefix(parsed, flags)
    )


def _first_chars(items: list[Any]) -> tuple[_Chars, bool] | None:
    """The characters a match of the parsed sequence ``items`` can start with, and whether it can match
    the empty string; None when unknown (any char, negated sets, backreferences…)."""
    chars: set[str] = set()
    ranges: set[tuple[int, int]] = set()
    escapes: set[str] = set()
    for op, arg in items:
        if op in (_ops.AT, _ops.ASSERT, _ops.ASSERT_NOT):
            continue  # zero-width: the first character consumed comes later
        if op is _ops.LITERAL:
            chars.add(chr(arg))
            return (chars, ranges, escapes), False
        if op is _ops.IN:
            for member, value in arg:
                if member is _ops.LITERAL:
                    chars.add(chr(value))
                elif member is _ops.RANGE:
                    ranges.add((value[0], value[1]))
                elif member is _ops.CATEGORY and value in _CLASS_ESCAPES:
                    escapes.add(_CLASS_ESCAPES[value])
                else:
                    return None
            return (chars, ranges, escapes), False
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
            (sub_chars, sub_ranges, sub_escapes), empty = found
            chars |= sub_chars
            ranges |= sub_ranges
            escapes |= sub_escapes
            may_be_empty = may_be_empty or empty
        if not may_be_empty:
            return (chars, ranges, escapes), False
    return (chars, ranges, escapes), True


def _exceptions_of(pack: Pack, rule: Rule) -> tuple[ContextException, ...]:
    """The rule's own exceptions, then the pack's shared ones that cover its category."""
    return rule.exceptions + tuple(e for e in pack.exceptions if e.covers(rule.category))


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
    negations: tuple[CompiledException, ...] = ()
    """The exceptions marked ``negation`` (a subset of ``exceptions``): see :meth:`negated`."""
    context: Excuses = field(init=False, repr=False)
    """The exceptions, joined for speed (what ``accepts`` runs)."""

    def __post_init__(self) -> None:
        self.context = Excuses.of(self.exceptions)

    @classmethod
    def of(cls, pack: Pack, rule: Rule) -> CompiledRule:
        written = _exceptions_of(pack, rule)
        exceptions = tuple(CompiledException.of(e) for e in written)
        return cls(
            key=f"{pack.pack}/{rule.id}",
            pack=pack,
            rule=rule,
            terms=tuple(dict.fromkeys(t for t in (norm(t) for t in rule.terms) if t)),
            patterns=_combined(rule.patterns),
            triggers=tuple(dict.fromkeys(t for t in (norm(t) for t in rule.triggers) if t)),
            requires=tuple(re.compile(p) for p in rule.requires),
            exceptions=exceptions,
            negations=tuple(c for e, c in zip(written, exceptions, strict=True) if e.negation),
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
        for pattern in self.requires:  # plain loops: this runs for every hit of every check
            if not pattern.search(sentence_text):
                return False
        if self.allow:
            if allowed_spans is None:
                if inside_any(text, start, end, self.allow):
                    return False
            else:
                for allowed_start, allowed_end in allowed_spans:
                    if allowed_start <= start and end <= allowed_end:
                        return False
        return not self.context.excuses(text, start, end, sentence_text)

    def negated(self, normalized: Normalized, start: int, end: int, sentence: tuple[int, int]) -> bool:
        """For a hit ``accepts`` refused: whether a ``negation`` exception excused it (the copy denies,
        refutes or quotes the claim), with the rule's requires met. Other refusals (an innocent sense, an
        allowed name, a missing requirement) say nothing about the rest of the text, so they do not count."""
        if not self.negations:
            return False
        text = normalized.text
        sentence_text = text[sentence[0] : sentence[1]]
        if not all(pattern.search(sentence_text) for pattern in self.requires):
            return False
        return any(exc.excuses(text, start, end, sentence_text) for exc in self.negations)
