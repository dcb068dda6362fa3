"""Alternations in a regex as prefix trees: ``别信|别轻信|别碰`` becomes ``别(?:信|轻信|碰)``.

At each place it tries, the regex engine tests the branches of an alternation one by one, so a list of
seventy words that start alike (the exceptions' ``辟谣|谣言|不可信|不能信…``) costs seventy tests where
a prefix tree costs a few. The rewrite merges branches that start with the same plain character, and keeps
the order in which the engine tries any two branches that could match at the same place, so every match,
its span included, is the one the pattern as written gives. Patterns this cannot read safely (inline
flags, backreferences, conditionals, atomic groups, possessive repeats…) come back unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_REPEAT = re.compile(r"\*|\+|\?|\{\d*(?:,\d*)?\}")
_GROUP_OPENERS = ("(?:", "(?=", "(?!", "(?<=", "(?<!")
_NOT_WORD_CHARS = frozenset(".^$*+?{}[]\\|()")


class _Unsupported(Exception):
    """The pattern uses syntax the rewrite does not handle; it is left as written."""


@dataclass(frozen=True)
class _Atom:
    """One piece of a branch: a character, a class, an escape or a group, with its repeat if any."""

    text: str
    """As written (for a group: its opener, such as ``(?:``)."""
    char: str | None = None
    """The one character it stands for, when it is a plain character."""
    branches: tuple[tuple[_Atom, ...], ...] | None = None
    """A group's alternatives."""
    repeat: str = ""


def factored(pattern: str) -> str:
    """``pattern`` with branches that start alike merged into prefix trees (same matches, same spans);
    unchanged when it uses syntax outside what is handled or the result does not compile."""
    try:
        branches, end = _branches(pattern, 0, nested=False)
    except _Unsupported:
        return pattern
    if end != len(pattern):
        return pattern
    rewritten = _emit_branches(branches)
    try:
        re.compile(rewritten)
    except re.error:
        return pattern
    return rewritten


def _branches(pattern: str, index: int, *, nested: bool) -> tuple[tuple[tuple[_Atom, ...], ...], int]:
    """The alternatives from ``index`` up to the ``)`` closing the group (or the end), and where they end."""
    branches: list[tuple[_Atom, ...]] = []
    current: list[_Atom] = []
    while index < len(pattern):
        char = pattern[index]
        if char == "|":
            branches.append(tuple(current))
            current = []
            index += 1
        elif char == ")":
            if not nested:
                raise _Unsupported(pattern)
            break
        elif char in "*+?{" and (repeat := _REPEAT.match(pattern, index)) is not None:
            if not current or current[-1].repeat:
                raise _Unsupported(pattern)  # a repeat of nothing, or of a repeat
            end = repeat.end()
            if pattern[end : end + 1] == "?":
                end += 1  # lazy
            elif pattern[end : end + 1] == "+":
                raise _Unsupported(pattern)  # possessive: no backtracking into it
            last = current.pop()
            current.append(_Atom(last.text, None, last.branches, pattern[index:end]))
            index = end
        else:
            atom, index = _atom(pattern, index)
            current.append(atom)
    branches.append(tuple(current))
    return tuple(branches), index


def _atom(pattern: str, index: int) -> tuple[_Atom, int]:
    """The atom that starts at ``index`` (not a repeat), and where it ends."""
    char = pattern[index]
    if char == "(":
        opener = _opener(pattern, index)
        inner, end = _branches(pattern, index + len(opener), nested=True)
        if end >= len(pattern):
            raise _Unsupported(pattern)  # no closing parenthesis
        return _Atom(opener, None, inner), end + 1
    if char == "[":
        end = _class_end(pattern, index)
        return _Atom(pattern[index:end]), end
    if char == "\\":
        escaped = pattern[index + 1 : index + 2]
        if not escaped or escaped.isdigit():
            raise _Unsupported(pattern)  # a backreference, an octal escape, or a trailing backslash
        if escaped.isascii() and escaped.isalnum():
            return _Atom(pattern[index : index + 2]), index + 2  # \d, \b, \u…: not a plain character
        return _Atom(pattern[index : index + 2], escaped), index + 2
    if char in _NOT_WORD_CHARS:
        return _Atom(char), index + 1
    return _Atom(char, char), index + 1


def _opener(pattern: str, index: int) -> str:
    """The opening of the group at ``index``: plain, non-capturing, lookaround or named."""
    if pattern[index + 1 : index + 2] != "?":
        return "("
    for opener in _GROUP_OPENERS:
        if pattern.startswith(opener, index):
            return opener
    if pattern.startswith("(?P<", index):
        close = pattern.find(">", index)
        if close > 0:
            return pattern[index : close + 1]
    raise _Unsupported(pattern)  # inline flags, atomic groups, conditionals, comments, (?P=name)


def _class_end(pattern: str, index: int) -> int:
    """The index just past the set ``[...]`` that starts at ``index``."""
    end = index + 1
    if pattern[end : end + 1] == "^":
        end += 1
    if pattern[end : end + 1] == "]":
        end += 1  # a "]" first in a set is a member
    while end < len(pattern):
        if pattern[end] == "\\":
            end += 2
        elif pattern[end] == "]":
            return end + 1
        else:
            end += 1
    raise _Unsupported(pattern)


def _plain_start(branch: tuple[_Atom, ...]) -> str | None:
    """The plain character a branch starts with (no repeat on it), if it does."""
    if branch and branch[0].char is not None and not branch[0].repeat:
        return branch[0].char
    return None


def _emit_branches(branches: tuple[tuple[_Atom, ...], ...]) -> str:
    """The alternatives as a regex, neighbouring ones that start with the same character sharing it."""
    return "|".join(_tree(list(dict.fromkeys(branches))))  # a repeated branch can only fail again: dropped


def _emit_sequence(branch: tuple[_Atom, ...]) -> str:
    return "".join(_emit_atom(atom) for atom in branch)


def _emit_atom(atom: _Atom) -> str:
    if atom.branches is None:
        return atom.text + atom.repeat
    return f"{atom.text}{_emit_branches(atom.branches)}){atom.repeat}"


def _tree(branches: list[tuple[_Atom, ...]]) -> list[str]:
    """Alternatives matching what ``branches`` match, tried in an order that keeps theirs where it matters.

    Branches that start with a plain character are grouped by it, in order of first appearance, and the
    rest of each continues as a tree: two branches that start with different characters never match at
    one place, so moving one past the other changes nothing. A branch that starts otherwise (a set, a
    group, a repeat, nothing) may match wherever the others do, so it stays where it is and the grouping
    restarts after it."""
    alternatives: list[str] = []
    groups: dict[str, tuple[str, list[tuple[_Atom, ...]]]] = {}

    def flush() -> None:
        for written, tails in groups.values():
            if len(tails) == 1:
                alternatives.append(written + _emit_sequence(tails[0]))
                continue
            inner = _tree(tails)
            alternatives.append(written + (inner[0] if len(inner) == 1 else f"(?:{'|'.join(inner)})"))
        groups.clear()

    for branch in branches:
        char = _plain_start(branch)
        if char is None:
            flush()
            alternatives.append(_emit_sequence(branch))
            continue
        groups.setdefault(char, (branch[0].text, []))[1].append(branch[1:])
    flush()
    return alternatives


__all__ = ["factored"]
