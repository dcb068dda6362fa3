"""Compliance in the loop: check a variant, apply the engine's known replacements, turn findings into
feedback for a rewrite. The brief's must-not-say words become brand-forbidden words the engine enforces."""

from __future__ import annotations

import re
from dataclasses import dataclass

from compliance_rules.brand import BrandVI, BrandWord
from compliance_rules.checker import Checker
from compliance_rules.models import CheckResult, Finding, Severity, Source, Verdict, verdict_of
from compliance_rules.normalize import normalize
from serving.generation.copywriting.brief import CopyBrief
from serving.generation.copywriting.errors import InvalidBrief
from serving.generation.copywriting.formats import CopyFormat, Fields

REQUIRED_WORD = "BRAND_REQUIRED_WORD_MISSING"


@dataclass(frozen=True)
class Checked:
    """A variant's fields and the check of exactly those fields."""

    fields: Fields
    result: CheckResult

    @property
    def blocked(self) -> bool:
        return self.result.verdict == Verdict.BLOCK


class ComplianceGate:
    """Checks variants of one brief against the ad law, industry, platform and the brief's own words."""

    def __init__(
        self, checker: Checker, brief: CopyBrief, fmt: CopyFormat, brand: BrandVI | None = None
    ) -> None:
        self.checker = checker
        self.brief = brief
        self.fmt = fmt
        self.brand = _brand_rules(brief, brand)

    def screen_brief(self) -> None:
        """Refuse a brief whose must-say words the engine itself blocks (``must_say_not_compliant``)."""
        bad: list[str] = []
        for word in self.brief.must_say:
            result = self.checker.check_copy(word, industry=self.brief.industry, platform=self.brief.platform)
            if any(f.severity == Severity.BLOCK and f.source != Source.SPEC for f in result.findings):
                bad.append(word)
        if bad:
            raise InvalidBrief(
                f"must-say words that the advertising rules forbid: {', '.join(bad)}",
                code="must_say_not_compliant",
                details={"words": bad},
            )

    def check(self, fields: Fields) -> Checked:
        """The engine's verdict on the fields, plus a warning per must-say word that is missing."""
        result = self.checker.check_copy(
            self.fmt.body(fields),
            title=self.fmt.title(fields),
            industry=self.brief.industry,
            platform=self.brief.platform,
            brand=self.brand,
        )
        missing = self.missing_words(fields)
        if missing:
            findings = result.findings + [_required(word) for word in missing]
            result = result.model_copy(update={"findings": findings, "verdict": verdict_of(findings)})
        return Checked(fields, result)

    def forbidden_words(self) -> tuple[str, ...]:
        """The words no variant may hold (the brief's must-not-say and the brand kit's forbidden words),
        for backends that can keep the model from writing them."""
        return tuple(dict.fromkeys(w.term for w in self.brand.forbidden_words)) if self.brand else ()

    def missing_words(self, fields: Fields) -> list[str]:
        folded = normalize(self.fmt.flatten(fields)).text
        return [w for w in self.brief.must_say if normalize(w).text not in folded]

    def fix(self, checked: Checked) -> Checked | None:
        """Deterministic fixes, re-checked: first the engine's known replacements, then, for what still
        blocks, dropping the offending hashtag, list item or sentence where the field keeps enough without
        it (a hashtag field too short without it gets the brief's own words instead; never the title).
        None when nothing applied."""
        current: Checked | None = None
        edits = {
            f.matched: f.rewrite
            for f in checked.result.findings
            if f.severity == Severity.BLOCK and f.rewrite is not None and f.matched
        }
        if edits:
            replaced: Fields = {name: _replace_all(value, edits) for name, value in checked.fields.items()}
            current = self._recheck(replaced)
            if current is not None and not current.blocked:
                return current
        base = current or checked
        offending = [f.matched for f in base.result.findings if f.severity == Severity.BLOCK and f.matched]
        if offending:
            dropped = self._drop(base.fields, offending)
            if dropped is not None:
                return self._recheck(dropped) or current
        return current

    def _recheck(self, fields: Fields) -> Checked | None:
        try:
            enforced, _ = self.fmt.enforce(fields)
        except ValueError:
            return None
        return self.check(enforced)

    def _drop(self, fields: Fields, offending: list[str]) -> Fields | None:
        """``fields`` without the items or sentences holding an offending match; None if any match is in
        the title or the field would get too short."""
        out: Fields = dict(fields)
        for matched in dict.fromkeys(offending):
            holders = [name for name, value in out.items() if _holds(value, matched)]
            if not holders:
                return None  # the match spans fields or was normalised: leave it to a rewrite
            for name in holders:
                spec = self.fmt.field(name)
                value = out[name]
                if name == self.fmt.title_field:
                    return None
                if isinstance(value, list):
                    kept = [v for v in value if matched not in v]
                    if spec.items is not None and spec.hashtag and len(kept) < spec.items[0]:
                        kept += self._spare_tags(kept, offending, spec.max_chars, spec.items[0] - len(kept))
                    if spec.items is None or len(kept) < spec.items[0]:
                        return None
                    out[name] = kept
                else:
                    sentences = [s for s in _SENTENCE.findall(value) if s.strip()]
                    kept_text = "".join(s for s in sentences if matched not in s).strip()
                    if len(kept_text) < max(spec.min_chars, len(value) // 2):
                        return None
                    out[name] = kept_text
        return out

    def _spare_tags(self, tags: list[str], offending: list[str], max_chars: int, count: int) -> list[str]:
        """Up to ``count`` hashtags from the brief to stand in for dropped ones: the must-say words, the
        brand, then the product's words; none already used or holding an offending match."""
        brief = self.brief
        pool = dict.fromkeys(w.lstrip("#") for w in (*brief.must_say, brief.brand, *brief.product.split()))
        spare = [
            word
            for word in pool
            if word and len(word) <= max_chars and word not in tags and not any(b in word for b in offending)
        ]
        return spare[:count]

    def feedback(self, checked: Checked) -> list[str]:
        """What to change, one line per blocking finding or missing must-say word."""
        zh = self.brief.language == "zh"
        lines: list[str] = []
        for f in checked.result.findings:
            if f.severity != Severity.BLOCK and f.category != REQUIRED_WORD:
                continue
            line = f"“{f.matched}”：{f.message}" if f.matched else f.message
            if f.suggestion:
                line += f"（{'建议' if zh else 'suggestion'}：{f.suggestion}）"
            lines.append(line)
        return list(dict.fromkeys(lines))


def _brand_rules(brief: CopyBrief, brand: BrandVI | None) -> BrandVI | None:
    """The brand kit's forbidden words (with their suggestions) plus the brief's must-not-say words;
    required words are checked by :meth:`ComplianceGate.missing_words` over title and body together."""
    known = {w.term for w in brand.forbidden_words} if brand is not None else set()
    extra = tuple(BrandWord(term=w) for w in brief.must_not_say if w not in known)
    if brand is None:
        return BrandVI(brand="brief", version="1", forbidden_words=extra) if extra else None
    return brand.model_copy(update={"forbidden_words": brand.forbidden_words + extra, "required_words": ()})


_SENTENCE = re.compile(r"[^。！？!?；;…\n]*(?:[。！？!?；;…]+|\n|$)")


def _holds(value: str | list[str], matched: str) -> bool:
    return matched in value if isinstance(value, str) else any(matched in v for v in value)


def _replace_all(value: str | list[str], edits: dict[str, str]) -> str | list[str]:
    return _replace(value, edits) if isinstance(value, str) else [_replace(v, edits) for v in value]


def _replace(text: str, edits: dict[str, str]) -> str:
    for matched, replacement in sorted(edits.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(matched, replacement)
    return text


def _required(word: str) -> Finding:
    return Finding(
        category=REQUIRED_WORD,
        rule_id="brief/MUST_SAY",
        severity=Severity.WARN,
        message=f"缺少简报要求出现的词：{word}",
        suggestion=f"在文案中加入“{word}”",
        source=Source.TEXT,
    )
