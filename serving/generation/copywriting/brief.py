"""The copy brief: what to write, for whom, where; validated into canonical form with error codes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from compliance_rules.brand import BrandVI
from compliance_rules.errors import InvalidCheckInput
from compliance_rules.taxonomy import resolve_industry, resolve_platform
from serving.generation.copywriting.errors import InvalidBrief

MAX_VARIANTS = 200
"""Most variants one brief may ask for (more is refused with code ``too_many_variants``)."""

Text = Annotated[str, StringConstraints(strip_whitespace=True)]
Word = Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)]
Length = Literal["short", "medium", "long"]
Language = Literal["zh", "en"]

_CUSTOM_CODES = frozenset({"empty_brief", "contradictory_words", "unknown_platform", "unknown_industry"})
_FIELD_CODES = {
    ("num_variants", "less_than_equal"): "too_many_variants",
    ("brand", "missing"): "empty_brief",
    ("product", "missing"): "empty_brief",
}


class CopyBrief(BaseModel):
    """A request for ``num_variants`` pieces of copy in one platform's native shape."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    brand: Text = Field(max_length=60, description="Brand name as it must appear.")
    product: Text = Field(max_length=200, description="The product or campaign.")
    selling_points: tuple[Text, ...] = Field(default=(), max_length=12, description="Facts to build on.")
    audience: Text = Field(default="", max_length=200, description="Who reads it.")
    platform: str = Field(description="xiaohongshu, douyin, wechat, taobao (tmall), weibo, offline_screen, …")
    industry: str | None = Field(
        default=None, description="Compliance industry (cosmetics, food_beverage, …)."
    )
    tone: Text = Field(default="", max_length=100, description="Desired tone, e.g. 温暖、俏皮.")
    length: Length = Field(default="medium", description="Body length budget within the platform limits.")
    language: Language = Field(default="zh", description="Language of the copy.")
    must_say: tuple[Word, ...] = Field(default=(), max_length=10, description="Words every variant contains.")
    must_not_say: tuple[Word, ...] = Field(
        default=(), max_length=50, description="Words no variant contains."
    )
    brand_voice: Text = Field(
        default="", max_length=2000, description="Brand voice notes from the brand kit."
    )
    num_variants: int = Field(default=5, ge=1, le=MAX_VARIANTS, description="How many distinct variants.")
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="Same brief and seed → same plans.")

    @field_validator("selling_points")
    @classmethod
    def _points(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(len(p) > 200 for p in value):
            raise ValueError("a selling point has more than 200 characters")
        return tuple(p for p in value if p)

    @field_validator("must_say", "must_not_say")
    @classmethod
    def _words(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(w for w in value if w))

    @field_validator("platform")
    @classmethod
    def _platform(cls, value: str) -> str:
        try:
            platform = resolve_platform(value)
        except InvalidCheckInput as exc:
            raise PydanticCustomError("unknown_platform", exc.message) from None
        if platform is None:
            raise PydanticCustomError("unknown_platform", "the platform is missing")
        return platform

    @field_validator("industry")
    @classmethod
    def _industry(cls, value: str | None) -> str | None:
        try:
            return resolve_industry(value)
        except InvalidCheckInput as exc:
            raise PydanticCustomError("unknown_industry", exc.message) from None

    @model_validator(mode="after")
    def _coherent(self) -> CopyBrief:
        if not self.brand or not self.product:
            raise PydanticCustomError("empty_brief", "the brief needs a brand and a product")
        clashes = contradictions(self.must_say, self.must_not_say)
        if clashes:
            raise PydanticCustomError(
                "contradictory_words",
                "words both required and forbidden: {words}",
                {"words": ", ".join(clashes)},
            )
        return self


def contradictions(must_say: tuple[str, ...], must_not_say: tuple[str, ...]) -> list[str]:
    """Required words that are, or contain, a forbidden word."""
    banned = [w.casefold() for w in must_not_say]
    return [w for w in must_say if any(b in w.casefold() for b in banned)]


def with_brand_kit(brief: CopyBrief, brand: BrandVI) -> CopyBrief:
    """The brief with the brand kit's required words and disclaimers as must-say and its forbidden words
    as must-not-say (``contradictory_words`` if they clash)."""
    must_say = brief.must_say + brand.required_words + brand.required_disclaimers
    must_not_say = brief.must_not_say + tuple(w.term for w in brand.forbidden_words)
    data = brief.model_dump() | {"must_say": must_say, "must_not_say": must_not_say}
    return parse_brief(data)


def parse_brief(data: Mapping[str, Any] | CopyBrief) -> CopyBrief:
    """A valid brief, or :class:`InvalidBrief` whose ``code`` says what is wrong."""
    if isinstance(data, CopyBrief):
        return data
    try:
        return CopyBrief.model_validate(dict(data))
    except ValidationError as exc:
        raise _invalid(exc) from None


def _invalid(exc: ValidationError) -> InvalidBrief:
    errors = [
        {"loc": ".".join(str(p) for p in e["loc"]), "type": e["type"], "msg": e["msg"]} for e in exc.errors()
    ]
    code = "invalid_brief"
    for error in errors:
        field = error["loc"].split(".")[0]
        specific = (
            error["type"] if error["type"] in _CUSTOM_CODES else _FIELD_CODES.get((field, error["type"]))
        )
        if specific:
            code = specific
            break
    if code == "too_many_variants":
        message = f"at most {MAX_VARIANTS} variants per brief"
    else:
        message = "; ".join(f"{e['loc'] or 'brief'}: {e['msg']}" for e in errors)
    return InvalidBrief(message, code=code, details={"errors": errors})
