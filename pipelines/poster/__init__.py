"""Poster compositor (CPU, no model): layout templates as data, a brand kit, CJK typesetting with
kinsoku line breaking and auto-fit, backgrounds, product images, QR codes; renders every platform size
and a layered spec that re-renders to the same pixels.

    poster = compose(PosterRequest(template="centred_hero", content=PosterCopy(...), brand=kit))
    poster.renditions[0].png, poster.renditions[0].spec  # PNG bytes, LayeredSpec
    render(spec, poster.assets)                            # the same pixels again
"""

from pipelines.poster.brand import BrandFonts, BrandKit, FontFace, Palette, palette_variants
from pipelines.poster.compose import Poster, Rendition, compose
from pipelines.poster.errors import (
    AssetError,
    CanvasTooLarge,
    FontNotFound,
    PosterError,
    TemplateError,
    TextDoesNotFit,
)
from pipelines.poster.library import (
    builtin_templates,
    dump_template,
    get_template,
    load_template,
    parse_template,
)
from pipelines.poster.plan import PlannedPoster, plan_posters
from pipelines.poster.render import encode_png, render
from pipelines.poster.request import BackgroundInput, PosterCopy, PosterRequest
from pipelines.poster.sizes import PLATFORM_SIZES, CanvasSize
from pipelines.poster.spec import LayeredSpec
from pipelines.poster.template import Template

__all__ = [
    "PLATFORM_SIZES",
    "AssetError",
    "BackgroundInput",
    "BrandFonts",
    "BrandKit",
    "CanvasSize",
    "CanvasTooLarge",
    "FontFace",
    "FontNotFound",
    "LayeredSpec",
    "Palette",
    "PlannedPoster",
    "Poster",
    "PosterCopy",
    "PosterError",
    "PosterRequest",
    "Rendition",
    "Template",
    "TemplateError",
    "TextDoesNotFit",
    "builtin_templates",
    "compose",
    "dump_template",
    "encode_png",
    "get_template",
    "load_template",
    "palette_variants",
    "parse_template",
    "plan_posters",
    "render",
]
