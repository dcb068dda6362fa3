"""A brand's visual-identity (VI) pack: words it forbids or requires, disclaimers, palette, logos, fonts.

Stored per brand as YAML in the brand's asset repository (``brand/vi.yaml`` on ``main``), so it is versioned,
reviewed and rolled back like any asset. The text part becomes rules the engine runs; the pixel part is
checked by ``compliance_rules.vi_pixels``.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from compliance_rules.models import Finding, Severity, Source
from compliance_rules.normalize import normalize
from compliance_rules.schema import Pack, Rule, _Strict

VI_PATH = "brand/vi.yaml"
"""Where a brand keeps its VI pack in its asset repository."""


class BrandWord(_Strict):
    term: str = Field(min_length=1, description="A word the brand never uses (or a competitor's name).")
    suggestion: str | None = Field(default=None, description="What to write instead.")
    severity: Severity = Field(default=Severity.BLOCK)


class PaletteEntry(_Strict):
    name: str = Field(min_length=1)
    hex: str = Field(pattern=r"^#?[0-9A-Fa-f]{6}$", description="sRGB colour, e.g. #E60012.")
    tolerance_de: float = Field(default=10.0, gt=0, le=100, description="Allowed CIEDE2000 distance.")


class LogoSpec(_Strict):
    path: str = Field(min_length=1, description="Asset path of the logo image in the brand repository.")
    min_width_px: int | None = Field(default=None, ge=1, description="Smallest width the logo may appear at.")
    min_width_ratio: float | None = Field(
        default=None, gt=0, le=1, description="Smallest logo width as a share of the creative's width."
    )
    required: bool = Field(default=True, description="Every poster must show it.")


class BrandVI(_Strict):
    """The brand VI pack schema."""

    brand: str = Field(min_length=1, description="Brand slug or name.")
    version: str = Field(min_length=1)
    forbidden_words: tuple[BrandWord, ...] = Field(default=())
    required_words: tuple[str, ...] = Field(default=(), description="Words every copy must contain (warn).")
    required_disclaimers: tuple[str, ...] = Field(
        default=(), description="Disclaimers every copy must carry (block when missing)."
    )
    palette: tuple[PaletteEntry, ...] = Field(default=())
    palette_min_share: float = Field(
        default=0.05, gt=0, le=1, description="Off-palette colours below this share of the image are ignored."
    )
    logos: tuple[LogoSpec, ...] = Field(default=())
    fonts: tuple[str, ...] = Field(default=(), description="Approved typefaces (checked by designers).")

    @field_validator("required_words", "required_disclaimers")
    @classmethod
    def _not_blank(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not v.strip() for v in value):
            raise ValueError("empty word")
        return value

    def text_pack(self) -> Pack:
        """The forbidden words as a pack the engine runs."""
        rules = tuple(
            Rule(
                id=f"FORBIDDEN-{index:03}",
                category="BRAND_FORBIDDEN_WORD",
                severity=word.severity,
                message=f"品牌禁用词：{word.term}",
                terms=(word.term,),
                suggestion=word.suggestion,
                rewrites={word.term: word.suggestion} if word.suggestion else {},
            )
            for index, word in enumerate(self.forbidden_words, 1)
        )
        return Pack(
            pack=f"brand_vi_{self.brand}", version=self.version, kind="general", title="Brand VI", rules=rules
        )

    def presence_findings(self, text: str, source: Source = Source.TEXT) -> list[Finding]:
        """Required words and disclaimers that the text lacks."""
        folded = normalize(text).text
        findings = [
            Finding(
                category="BRAND_DISCLAIMER_MISSING",
                rule_id=f"brand_vi_{self.brand}/DISCLAIMER",
                severity=Severity.BLOCK,
                message=f"缺少品牌要求的声明：{disclaimer}",
                suggestion=f"在文案中加入“{disclaimer}”",
                source=source,
            )
            for disclaimer in self.required_disclaimers
            if normalize(disclaimer).text not in folded
        ]
        findings += [
            Finding(
                category="BRAND_REQUIRED_WORD_MISSING",
                rule_id=f"brand_vi_{self.brand}/REQUIRED",
                severity=Severity.WARN,
                message=f"缺少品牌要求出现的词：{word}",
                suggestion=f"在文案中加入“{word}”",
                source=source,
            )
            for word in self.required_words
            if normalize(word).text not in folded
        ]
        return findings
