"""Text layers of one rendition: the slot's text fitted to its box, in the slot's colour role unless
that would be illegible on what is drawn behind it (then the most legible brand colour)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from pipelines.poster.brand import Palette
from pipelines.poster.colour import (
    BODY_MIN_CONTRAST,
    HEADLINE_MIN_CONTRAST,
    luminance,
    luminance_array,
    parse_hex,
    pick_legible,
)
from pipelines.poster.fonts import FontRef
from pipelines.poster.layout import Frame
from pipelines.poster.request import PosterCopy
from pipelines.poster.spec import PixelBox, PlateSpec, TextLayer
from pipelines.poster.template import ListSlot, TextSlot
from pipelines.poster.typeset import TextStyle, fit_text

_SAMPLE = 48  # the area behind a text is judged on a downsampled copy at most this many px a side


def slot_texts(frame: Frame, content: PosterCopy) -> tuple[list[tuple[str, TextSlot, str]], list[str]]:
    """(slot name, slot, text) for every text the layout has room for, and what it has no room for."""
    slots = frame.variant.slots
    wanted = {
        "headline": content.headline,
        "subhead": content.subhead,
        "price": content.price,
        "cta": content.cta,
        "disclaimer": content.disclaimer,
    }
    placed: list[tuple[str, TextSlot, str]] = []
    omitted: list[str] = []
    for name, text in wanted.items():
        slot: TextSlot | None = getattr(slots, name)
        if text and slot is not None:
            placed.append((name, slot, text))
        elif text:
            omitted.append(name)
    points = content.selling_points
    listed: ListSlot | None = slots.selling_points
    if points and listed is not None:
        placed.append(
            ("selling_points", listed, "\n".join(listed.bullet + p for p in points[: listed.max_items]))
        )
        omitted += [f"selling_points[{i}]" for i in range(listed.max_items, len(points))]
    elif points:
        omitted.append("selling_points")
    return placed, omitted


def behind(canvas: Image.Image, box: PixelBox) -> list[float]:
    """Luminances of the 10th and 90th percentile of the pixels under ``box`` (its dark and light sides,
    ignoring specks such as pattern dots)."""
    region = canvas.crop(box)
    if region.width > _SAMPLE or region.height > _SAMPLE:
        region = region.resize(
            (min(_SAMPLE, region.width), min(_SAMPLE, region.height)), Image.Resampling.BOX
        )
    lum = luminance_array(np.asarray(region))
    low, high = np.percentile(lum, [10, 90])
    return [float(low), float(high)]


def text_layer(
    frame: Frame,
    name: str,
    slot: TextSlot,
    text: str,
    font: FontRef,
    palette: Palette,
    candidates: tuple[str, ...],
    canvas: Image.Image,
) -> TextLayer:
    """Fit ``text`` into its slot and choose a legible colour against ``canvas`` (drawn so far)."""
    box = frame.box(slot.box)
    pad = slot.plate.padding if slot.plate else (0.0, 0.0)
    style = TextStyle(font, slot.line_height, slot.letter_spacing, slot.balance, pad[0], pad[1])
    min_px, max_px = frame.font_px(slot.min_size), frame.font_px(slot.max_size)
    width, height = box[2] - box[0], box[3] - box[1]
    block = fit_text(text, style, min_px, max_px, width, height, slot.max_lines, field=frame.slot_field(name))
    plate = None
    if slot.plate is not None:
        plate_colour = palette.role(slot.plate.colour)
        plate = PlateSpec(colour=plate_colour, radius=slot.plate.radius, padding=slot.plate.padding)
        under = [luminance(parse_hex(plate_colour))]
    else:
        under = behind(canvas, box)
    minimum = HEADLINE_MIN_CONTRAST if slot.font == "headline" else BODY_MIN_CONTRAST
    colour, ratio = pick_legible(palette.role(slot.colour), candidates, under, minimum)
    return TextLayer(
        name=name,
        box=box,
        text=text,
        font=font,
        size=block.size,
        colour=colour,
        align=slot.align,
        valign=slot.valign,
        max_lines=slot.max_lines,
        line_height=slot.line_height,
        letter_spacing=slot.letter_spacing,
        balance=slot.balance,
        plate=plate,
        contrast=round(ratio, 2),
    )
