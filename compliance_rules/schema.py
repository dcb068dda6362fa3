"""Rule packs as data: the pydantic schema every YAML pack is validated against."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from compliance_rules.models import Severity, is_category_code

_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from exc
    return value


class ContextException(_Strict):
    """Drops a match when its surroundings show an innocent use. Regexes run on the NORMALISED text."""

    followed_by: str | None = Field(default=None, description="Regex matched right after the match.")
    preceded_by: str | None = Field(default=None, description="Regex that must end right before the match.")
    sentence: str | None = Field(default=None, description="Regex searched in the match's sentence.")
    text: str | None = Field(
        default=None, description="Regex searched in the whole text (a heading that frames all of it)."
    )
    sells_nothing: bool = Field(
        default=False,
        description="Only when the whole text carries no selling cue (compliance_rules.framing.SELLING_CUE): "
        "news, 普法 and investor education excuse their sentences, adverts dressed as them do not.",
    )
    within: tuple[str, ...] = Field(default=(), description="Names the match may sit inside, e.g. 国家地理.")
    window: int = Field(default=16, ge=1, le=200, description="Characters of context for followed/preceded.")
    negation: bool = Field(
        default=False,
        description="The context denies, refutes or quotes the claim (不说/别信/不是/有人问…): the models, "
        "which cannot read a negation, then leave the rule's category alone as well.",
    )
    note: str = Field(default="", description="Why this use is innocent.")

    @field_validator("followed_by", "preceded_by", "sentence", "text")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        return None if value is None else _check_regex(value)

    @model_validator(mode="after")
    def _something(self) -> ContextException:
        if not (self.followed_by or self.preceded_by or self.sentence or self.text or self.within):
            raise ValueError("an exception needs followed_by, preceded_by, sentence, text or within")
        if self.sells_nothing and not self.text:
            raise ValueError("sells_nothing qualifies a whole-text exception: it needs text")
        return self


class SharedException(ContextException):
    """A pack-level exception: applies to every rule of the pack in ``categories`` (empty: all rules)."""

    categories: tuple[str, ...] = Field(default=(), description="Categories of the rules it applies to.")

    @field_validator("categories")
    @classmethod
    def _categories(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [c for c in value if not is_category_code(c)]
        if unknown:
            raise ValueError(f"unknown categories {unknown!r}")
        return value

    def covers(self, category: str) -> bool:
        """Whether a rule of ``category`` takes this exception."""
        return not self.categories or category in self.categories


class Rule(_Strict):
    """One check: literal terms (Aho-Corasick) and/or regex patterns, with context and scope."""

    id: str = Field(pattern=_ID, description="Stable id, unique in its pack.")
    category: str = Field(description="Contract category or a BRAND_*/SPEC_* code.")
    severity: Severity = Field(default=Severity.BLOCK)
    message: str = Field(min_length=1, description="What is wrong, in plain words (Chinese is fine).")
    law_ref: str | None = Field(default=None, description="Legal basis: law, article, clause.")
    terms: tuple[str, ...] = Field(default=(), description="Literal terms, matched on normalised text.")
    patterns: tuple[str, ...] = Field(default=(), description="Regexes, searched on normalised text.")
    triggers: tuple[str, ...] = Field(
        default=(), description="Literals that must occur for the patterns to run (speed); empty: always run."
    )
    requires: tuple[str, ...] = Field(
        default=(), description="Regexes that must ALL be found in the same sentence for the rule to fire."
    )
    exceptions: tuple[ContextException, ...] = Field(default=())
    industries: tuple[str, ...] = Field(default=(), description="Only for these industries (empty: all).")
    platforms: tuple[str, ...] = Field(default=(), description="Only on these platforms (empty: all).")
    except_platforms: tuple[str, ...] = Field(default=(), description="Never on these platforms.")
    suggestion: str | None = Field(default=None, description="How to fix it.")
    rewrites: dict[str, str] = Field(
        default_factory=dict, description="Matched (normalised) term → compliant replacement."
    )

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        if not is_category_code(value):
            raise ValueError(f"unknown category {value!r}")
        return value

    @field_validator("patterns", "requires")
    @classmethod
    def _regexes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            _check_regex(item)
        return value

    @field_validator("terms", "triggers")
    @classmethod
    def _literals(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not item.strip() for item in value):
            raise ValueError("empty term")
        return value

    @model_validator(mode="after")
    def _matches_something(self) -> Rule:
        if not self.terms and not self.patterns:
            raise ValueError("a rule needs terms or patterns")
        return self


class PlatformSpec(_Strict):
    """Format limits of a platform, checked as SPEC_* findings."""

    title_max_chars: int | None = Field(default=None, ge=1)
    body_max_chars: int | None = Field(default=None, ge=1)
    hashtags_max: int | None = Field(default=None, ge=0)
    aspect_ratios: tuple[str, ...] = Field(default=(), description="Accepted ratios like '9:16'.")
    aspect_tolerance: float = Field(default=0.02, ge=0, le=0.5)
    min_duration_s: float | None = Field(default=None, ge=0)
    max_duration_s: float | None = Field(default=None, gt=0)
    max_file_mb: float | None = Field(default=None, gt=0)
    min_width_px: int | None = Field(default=None, ge=1)

    @field_validator("aspect_ratios")
    @classmethod
    def _ratios(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for ratio in value:
            if not re.fullmatch(r"\d+(\.\d+)?:\d+(\.\d+)?", ratio):
                raise ValueError(f"aspect ratio {ratio!r} is not like '9:16'")
        return value


class Pack(_Strict):
    """A named, versioned set of rules: the ad law, an industry, a platform."""

    pack: str = Field(pattern=_ID, description="Pack name, e.g. ad_law_cn.")
    version: str = Field(min_length=1, description="Version of the pack's content, e.g. 2026.11.")
    kind: Literal["law", "general", "industry", "platform"] = Field(
        description="law/general: always applied; industry: by the copy's industry; platform: by platform."
    )
    title: str = Field(min_length=1)
    description: str = Field(default="")
    industries: tuple[str, ...] = Field(default=(), description="industry packs: the industries they cover.")
    platforms: tuple[str, ...] = Field(default=(), description="platform packs: the platforms they cover.")
    allow: tuple[str, ...] = Field(default=(), description="Names never flagged by this pack (国家地理…).")
    exceptions: tuple[SharedException, ...] = Field(
        default=(), description="Shared context exceptions, added to every rule of the listed categories."
    )
    rules: tuple[Rule, ...] = Field(default=())
    specs: PlatformSpec | None = Field(default=None, description="platform packs: format limits.")

    @model_validator(mode="after")
    def _scope(self) -> Pack:
        if self.kind == "industry" and not self.industries:
            raise ValueError("an industry pack must list its industries")
        if self.kind == "platform" and not self.platforms:
            raise ValueError("a platform pack must list its platforms")
        ids = [r.id for r in self.rules]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"duplicate rule ids: {', '.join(duplicated)}")
        return self

    @property
    def ref(self) -> str:
        return f"{self.pack}@{self.version}"


class CommonExceptions(_Strict):
    """Context exceptions of the language, not of one pack (a claim named and then refused, “根治”不了…):
    added to every built-in pack, each to the rules of its ``categories``. One file instead of a copy per
    pack (YAML anchors do not cross files)."""

    version: str = Field(min_length=1, description="Version of the file's content, e.g. 2026.11.28.")
    description: str = Field(default="")
    exceptions: tuple[SharedException, ...] = Field(default=())
