"""Platform placements as data (``placements.yaml``): the slots approved creative is exported to, each
resolved against its platform pack, video preset or poster canvas, with the SPEC_* checks of a
rendition and of its copy.

    placements = Placements.builtin()
    p = placements.get("taobao.main_image")
    target = p.target(source_width, source_height)        # pipelines.renditions.Target
    rendition_findings(p, RenditionFacts(800, 800, 412_000, "jpeg"))  # [] when it meets the placement
"""

from compliance_rules.placements.captions import FittedCopy, fit_copy
from compliance_rules.placements.catalog import Placements, Resolved, builtin_catalog, load_catalog
from compliance_rules.placements.check import (
    RenditionFacts,
    copy_findings,
    pack_disagreements,
    rendition_findings,
)
from compliance_rules.placements.errors import PlacementError, UnknownPlacement

__all__ = [
    "FittedCopy",
    "PlacementError",
    "Placements",
    "RenditionFacts",
    "Resolved",
    "UnknownPlacement",
    "builtin_catalog",
    "copy_findings",
    "fit_copy",
    "load_catalog",
    "pack_disagreements",
    "rendition_findings",
]
