"""The tagger: for a batch of images, one encoder pass (embedding + labels), then per image taxonomy tags,
dominant colours, scene cues (sky, foliage: ``pipelines.vision.scene``), quality, faces and perceptual
hashes. OCR is a separate, slower stage (~0.2–0.6 s per image): the caller runs it where
``likely_has_text`` (or ``ImageAnalysis.likely_has_text``) says so.

Per-image costs besides the encoder, on a busy 2-core CPU: faces 40–180 ms, colours 20–40 ms, the text
guess 10–15 ms, quality 2–12 ms, scene cues ~2 ms, hashes ~1.5 ms (200–250 ms per image in all with
EfficientNet-Lite0; ``faces=False`` saves most of it)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from pipelines.vision.colours import dominant_colours
from pipelines.vision.config import VisionConfig
from pipelines.vision.decode import MAX_PIXELS, load_image, thumbnail_rgb, to_rgb
from pipelines.vision.faces import detect_faces
from pipelines.vision.hashing import image_hashes
from pipelines.vision.protocol import ImageDecodeError, ImageEncoder
from pipelines.vision.quality import assess
from pipelines.vision.registry import open_image_encoder
from pipelines.vision.scene import scene_cues
from pipelines.vision.taxonomy import Taxonomy
from pipelines.vision.types import Face, ImageAnalysis, Label, Tag

PORTRAIT_TAG = "portrait"
RELATIVE_TAG_SCORE = 0.3
"""Tags scoring under this share of the image's best tag are dropped (see ``Taxonomy.confident``)."""
TAG_LABELS = 20
"""Labels read for tags (more than are reported: a dog's probability spreads over many breeds)."""
TEXT_LABELS = frozenset({916, 917, 918, 919, 921, 922, 549, 692, 478, 781})
"""ImageNet classes that mean printed text: web site, comic book, crossword, street sign, book jacket, menu,
envelope, packet, carton, scoreboard."""


class ImageTagger:
    """Analyses images with one encoder; thread-safe if the encoder is."""

    def __init__(
        self,
        encoder: ImageEncoder,
        taxonomy: Taxonomy | None = None,
        *,
        faces: bool = True,
        top_k: int = 5,
        min_tag_score: float = 0.1,
        relative_tag_score: float = RELATIVE_TAG_SCORE,
        batch_size: int = 16,
        max_pixels: int = MAX_PIXELS,
    ) -> None:
        self.encoder = encoder
        self.taxonomy = taxonomy or Taxonomy.builtin()
        self.faces = faces
        self.top_k = top_k
        self.min_tag_score = min_tag_score
        self.relative_tag_score = relative_tag_score
        self.batch_size = max(1, batch_size)
        self.max_pixels = max_pixels

    @classmethod
    def from_config(cls, config: VisionConfig, encoder: ImageEncoder | None = None) -> ImageTagger:
        """A tagger with the encoder ``config`` names (or ``encoder``) and its faces/top_k/batch settings."""
        return cls(
            encoder or open_image_encoder(config),
            faces=config.faces,
            top_k=config.top_k,
            batch_size=config.batch_size,
        )

    def analyse(self, images: Sequence[Image.Image]) -> list[ImageAnalysis]:
        """One ``ImageAnalysis`` per image, in order (one encoder call per batch of ``batch_size``)."""
        results: list[ImageAnalysis] = []
        for start in range(0, len(images), self.batch_size):
            batch = [to_rgb(image) for image in images[start : start + self.batch_size]]
            vectors, labels = self.encoder.encode_and_classify(batch, top_k=max(self.top_k, TAG_LABELS))
            results.extend(
                self._analyse_one(image, vector, image_labels)
                for image, vector, image_labels in zip(batch, vectors, labels, strict=True)
            )
        return results

    def analyse_bytes(self, datas: Sequence[bytes]) -> list[ImageAnalysis | ImageDecodeError]:
        """Decode and analyse; an undecodable image yields its ``ImageDecodeError`` in its place."""
        decoded: list[Image.Image | ImageDecodeError] = []
        for data in datas:
            try:
                decoded.append(load_image(data, max_pixels=self.max_pixels))
            except ImageDecodeError as exc:
                decoded.append(exc)
        analysed = iter(self.analyse([item for item in decoded if isinstance(item, Image.Image)]))
        return [next(analysed) if isinstance(item, Image.Image) else item for item in decoded]

    def _analyse_one(
        self, image: Image.Image, vector: NDArray[np.float32], labels: list[Label]
    ) -> ImageAnalysis:
        tags = self.taxonomy.tags_for(labels, min_score=self.min_tag_score)
        faces = detect_faces(image) if self.faces else []
        if faces and PORTRAIT_TAG in self.taxonomy:
            tags = _with_portrait(self.taxonomy, tags, faces)
        tags = _with_scene(self.taxonomy, tags, scene_cues(image).tags())
        tags = self.taxonomy.confident(tags, self.relative_tag_score)
        text_label = any(label.index in TEXT_LABELS and label.score >= 0.1 for label in labels[:3])
        return ImageAnalysis(
            labels=labels[: self.top_k],
            tags=tags,
            colours=dominant_colours(image),
            quality=assess(image),
            faces=faces,
            hashes=image_hashes(image),
            embedding=[float(v) for v in vector],
            encoder=self.encoder.name,
            likely_has_text=text_label or likely_has_text(image),
        )


def _with_scene(taxonomy: Taxonomy, tags: list[Tag], cues: Sequence[tuple[str, float]]) -> list[Tag]:
    """Add (or raise) the tags of pixel scene cues (sky, foliage) that the taxonomy knows, and their
    parents, to the cue's score; keep tags sorted best first."""
    scores = {tag.id: tag.score for tag in tags}
    for tag_id, score in cues:
        node: str | None = tag_id if tag_id in taxonomy else None
        while node is not None:
            scores[node] = max(scores.get(node, 0.0), score)
            node = taxonomy.get(node).parent
    if scores == {tag.id: tag.score for tag in tags}:
        return tags
    ranked = sorted(scores.items(), key=lambda item: (-item[1], -item[0].count("/"), item[0]))
    return [taxonomy.tag(tag_id, score) for tag_id, score in ranked]


def _with_portrait(taxonomy: Taxonomy, tags: list[Tag], faces: list[Face]) -> list[Tag]:
    """Add (or raise) the portrait tag to the best face's score; keep tags sorted best first."""
    score = max(face.score for face in faces)
    others = [tag for tag in tags if tag.id != PORTRAIT_TAG]
    previous = max((tag.score for tag in tags if tag.id == PORTRAIT_TAG), default=0.0)
    merged = [*others, taxonomy.tag(PORTRAIT_TAG, max(score, previous))]
    return sorted(merged, key=lambda tag: -tag.score)


TEXT_SIDE = 800


def likely_has_text(image: Image.Image) -> bool:
    """A cheap guess (5–25 ms on 2 cores) whether ``image`` holds printed text worth an OCR pass.

    On a grey copy (longer side 800 px), edges are the Otsu-thresholded morphological gradient. Two cues:
    (1) lines: edges closed horizontally into components at least 3x as wide as tall, 8 px to a quarter of
    the height tall, at least 35% edge pixels, two or more of them; (2) rows of glyphs: small
    letter-shaped edge components (7 px to 15% of the height, at most 2.5x as wide as tall) of which three
    or more join into one row when closed by their typical height. Found on documents, posters and
    captions over photos; missed for small captions that touch busy detail; rows of round objects (coins)
    can pass for text. A wrong True only costs an OCR pass that reads nothing."""
    grey = np.asarray(thumbnail_rgb(image, TEXT_SIDE).convert("L"), dtype=np.uint8)
    if min(grey.shape) < 16:
        return False
    gradient = cv2.morphologyEx(
        grey, cv2.MORPH_GRADIENT, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    )
    threshold, binary = cv2.threshold(gradient, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    edges = np.asarray(binary, dtype=np.uint8)
    if threshold < 10:  # a flat image: Otsu splits noise
        return False
    return _text_lines(edges) >= 2 or _glyph_rows(edges) >= 1


def _text_lines(edges: NDArray[np.uint8]) -> int:
    height = edges.shape[0]
    joined = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    lines = 0
    for x, y, w, h, _area in stats[1:]:
        if 8 <= h <= 0.25 * height and w >= max(24, 3 * h):
            if float((edges[y : y + h, x : x + w] > 0).mean()) >= 0.35:
                lines += 1
    return lines


def _glyph_rows(edges: NDArray[np.uint8]) -> int:
    height = edges.shape[0]
    strokes = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    _, labels, stats, _ = cv2.connectedComponentsWithStats(strokes, connectivity=8)
    w, h, area = stats[:, 2], stats[:, 3], stats[:, 4]
    fill = area / np.maximum(w * h, 1)
    glyph = (h >= 7) & (h <= 0.15 * height) & (w >= 2) & (w <= 2.5 * h) & (fill >= 0.15) & (fill <= 0.95)
    glyph[0] = False
    if glyph.sum() < 3:
        return 0
    mask = np.where(np.isin(labels, np.flatnonzero(glyph)), 255, 0).astype(np.uint8)
    gap = max(5, int(0.9 * float(np.median(h[glyph]))))
    rows = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    count, row_labels, row_stats, _ = cv2.connectedComponentsWithStats(rows, connectivity=8)
    inked = mask > 0
    pairs = np.unique(np.stack([row_labels[inked], labels[inked]]), axis=1)  # (row, glyph) once each
    members = np.bincount(pairs[0], minlength=count)
    row_w, row_h = row_stats[:, 2], row_stats[:, 3]
    wide = (row_h >= 7) & (row_w >= 3 * row_h) & (members >= 3)
    return int(wide[1:].sum())
