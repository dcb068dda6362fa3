"""The brand kit a poster is built from: palette roles, fonts, logo and its clear-space rule.

``BrandKit.from_vi`` builds one from a brand VI pack (``compliance_rules.brand.BrandVI`` fits the
``BrandVILike`` protocol; ``pipelines`` does not import the layer above it).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Protocol

from PIL import Image
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from pipelines.poster.colour import Hex, luminance, normalize_hex, parse_hex
from pipelines.poster.errors import AssetError
from pipelines.poster.fonts import Family, FontRef, check_font, default_font, find_family
from pipelines.poster.template import ColourRole

ROLES: tuple[ColourRole, ...] = ("primary", "secondary", "accent", "dark", "light")


def image_bytes(value: Any) -> Any:
    """A PIL image becomes PNG bytes (so kits and requests stay serialisable); anything else passes."""
    if isinstance(value, Image.Image):
        buffer = io.BytesIO()
        value.save(buffer, format="PNG")
        return buffer.getvalue()
    return value


ImageBytes = Annotated[bytes, BeforeValidator(image_bytes)]


class Palette(BaseModel):
    """Five colour roles the templates refer to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(default="brand", min_length=1, description="Name of this colour scheme.")
    primary: Hex = Field(description="Main brand colour.")
    secondary: Hex = Field(description="Second brand colour.")
    accent: Hex = Field(description="Highlights: prices, buttons.")
    dark: Hex = Field(default="#1A1A1A", description="Dark text / dark blocks.")
    light: Hex = Field(default="#FFFFFF", description="Light text / light blocks.")

    def role(self, role: ColourRole) -> str:
        """The hex colour of a role."""
        colour: str = getattr(self, role)
        return colour

    def colours(self) -> tuple[str, ...]:
        """All five colours (distinct, in role order)."""
        return tuple(dict.fromkeys(self.role(role) for role in ROLES))


def palette_variants(palette: Palette) -> list[Palette]:
    """Differentiated schemes from one palette: as is, primary/secondary swapped, accent-led, dark-led."""
    p = palette
    return [
        p,
        p.model_copy(update={"name": f"{p.name}-swap", "primary": p.secondary, "secondary": p.primary}),
        p.model_copy(update={"name": f"{p.name}-accent", "primary": p.accent, "accent": p.primary}),
        p.model_copy(update={"name": f"{p.name}-dark", "primary": p.dark, "secondary": p.primary}),
    ]


class FontFace(BaseModel):
    """A brand font file (a .ttc needs its face index)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(min_length=1, description="Font file path.")
    index: int = Field(default=0, ge=0, description="Face index in a collection.")


class BrandFonts(BaseModel):
    """Headline and body faces; a missing one falls back to Noto Sans/Serif CJK SC."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    headline: FontFace | None = Field(default=None, description="Headlines, prices, CTAs.")
    body: FontFace | None = Field(default=None, description="Sub-heads, selling points, disclaimers.")
    fallback: Family = Field(default="sans", description="Noto CJK family used for a missing face.")

    def resolve(self, role: Literal["headline", "body"]) -> FontRef:
        """The face of a role, checked to exist (FontNotFound names ``brand.fonts.<role>``)."""
        face = self.headline if role == "headline" else self.body
        ref = FontRef(path=face.path, index=face.index) if face else default_font(role, self.fallback)
        return check_font(ref, f"brand.fonts.{role}")


class PaletteEntryLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def hex(self) -> str: ...


class LogoSpecLike(Protocol):
    @property
    def min_width_px(self) -> int | None: ...
    @property
    def min_width_ratio(self) -> float | None: ...


class BrandVILike(Protocol):
    """What ``BrandKit.from_vi`` reads of a VI pack (``compliance_rules.brand.BrandVI`` has it)."""

    @property
    def brand(self) -> str: ...
    @property
    def palette(self) -> Sequence[PaletteEntryLike]: ...
    @property
    def logos(self) -> Sequence[LogoSpecLike]: ...
    @property
    def fonts(self) -> Sequence[str]: ...


class BrandKit(BaseModel):
    """Everything brand-specific a poster needs."""

    model_config = ConfigDict(extra="forbid", frozen=True, ser_json_bytes="base64", val_json_bytes="base64")

    name: str = Field(min_length=1, description="Brand name or slug.")
    palette: Palette = Field(description="Default colour scheme.")
    extra_colours: tuple[Hex, ...] = Field(default=(), description="More on-brand colours for legibility.")
    fonts: BrandFonts = Field(default=BrandFonts())
    logo: ImageBytes | None = Field(default=None, description="Logo image (PNG with transparency best).")
    logo_clear_space: float = Field(
        default=0.25, ge=0, le=1, description="Margin round the logo / its width."
    )
    logo_min_width_px: int | None = Field(default=None, ge=1, description="Smallest logo width in pixels.")
    logo_min_width_ratio: float | None = Field(default=None, gt=0, le=1, description="…as a share of width.")

    def colours(self, palette: Palette | None = None) -> tuple[str, ...]:
        """Every on-brand colour: the palette's roles, then the extra colours."""
        return tuple(dict.fromkeys((*(palette or self.palette).colours(), *self.extra_colours)))

    def require_logo(self) -> bytes:
        """The logo bytes, or AssetError naming ``brand.logo``."""
        if not self.logo:
            raise AssetError("brand.logo", "the brand kit has no logo; every poster must carry one")
        return self.logo

    @classmethod
    def from_vi(cls, vi: BrandVILike, *, logo: Any = None, fonts: BrandFonts | None = None) -> BrandKit:
        """A kit from a VI pack: palette entries in order become primary, secondary and accent; the
        darkest and lightest (or near-black/white) become dark and light; the first logo spec gives the
        minimum width; the first approved typeface (resolved with fontconfig) both font roles, unless
        ``fonts`` is given. The logo image itself must be passed (the VI names an asset path)."""
        hexes = [normalize_hex(entry.hex) for entry in vi.palette]
        if not hexes:
            raise AssetError("vi.palette", "the VI pack has no palette colours")
        by_light = sorted(hexes, key=lambda h: luminance(parse_hex(h)))
        dark = by_light[0] if luminance(parse_hex(by_light[0])) < 0.05 else "#1A1A1A"
        light = by_light[-1] if luminance(parse_hex(by_light[-1])) > 0.8 else "#FFFFFF"
        palette = Palette(
            name=vi.brand,
            primary=hexes[0],
            secondary=hexes[1] if len(hexes) > 1 else hexes[0],
            accent=hexes[2] if len(hexes) > 2 else hexes[0],
            dark=dark,
            light=light,
        )
        if fonts is None and vi.fonts:
            headline, body = find_family(vi.fonts[0], "headline"), find_family(vi.fonts[0], "body")
            fonts = BrandFonts(
                headline=FontFace(path=headline.path, index=headline.index),
                body=FontFace(path=body.path, index=body.index),
            )
        spec = vi.logos[0] if vi.logos else None
        return cls(
            name=vi.brand,
            palette=palette,
            extra_colours=tuple(hexes[3:]),
            fonts=fonts or BrandFonts(),
            logo=logo,
            logo_min_width_px=spec.min_width_px if spec else None,
            logo_min_width_ratio=spec.min_width_ratio if spec else None,
        )
