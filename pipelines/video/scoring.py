"""Shot scoring from the analysis decode: sharpness (variance of the Laplacian), motion (mean frame
change), brightness, faces (:func:`pipelines.vision.faces.detect_faces`), a subject box for smart crop
(the faces, else the centre of detail and motion), and near-duplicate groups across all footage
(:mod:`pipelines.vision.hashing` perceptual hashes of each shot's middle frame), so a variant never uses
two copies of the same shot.

``score`` (0..1) weighs them: 0.35 sharpness, 0.20 motion, 0.15 exposure, 0.30 faces."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from pipelines.video.probe import FootageInfo, probe_footage
from pipelines.video.shots import FrameSamples, Shot, decode_samples, find_cuts, shots_from_cuts
from pipelines.video.types import Box, ScoredShot
from pipelines.vision.faces import detect_faces
from pipelines.vision.hashing import image_hashes, is_near_duplicate

SHARPNESS_HALF = 60.0
"""Laplacian variance (320-px frames) that scores 0.5."""
MOTION_HALF = 0.02
"""Mean absolute frame change that scores 0.5."""
DUPLICATE_MAX_COLOUR = 0.12
"""Near-duplicates must also agree in mean colour (RGB distance, 0..1): pHash alone matches flat frames
of different colours that share a layout."""
_WORKERS = 2


def score_shot(samples: FrameSamples, shot: Shot) -> ScoredShot:
    """Score one shot from its file's analysis samples."""
    first = int(np.ceil(shot.start * samples.fps - 1e-6))
    last = max(first, min(len(samples.luma), int(np.ceil(shot.end * samples.fps - 1e-6))) - 1)
    inside = range(first, last + 1)
    kept = [i for i in inside if i in samples.colour] or [min(samples.colour, key=lambda i: abs(i - first))]
    middle = kept[len(kept) // 2]
    sharp = float(np.median([cv2.Laplacian(samples.luma[i], cv2.CV_64F).var() for i in kept]))
    moving = [samples.pixel_change[i] for i in inside if i > first] or [0.0]
    motion = float(np.mean(moving))
    brightness = float(np.mean([samples.luma[i].mean() for i in kept])) / 255.0
    image = Image.fromarray(samples.colour[middle])
    faces = detect_faces(image)
    if faces:
        subject, kind = _face_box(faces, image.width, image.height), "face"
    else:
        previous = samples.luma[max(first, middle - 1)]
        subject, kind = _detail_box(samples.luma[middle], previous)
    red, green, blue = (float(c) for c in samples.colour[middle].reshape(-1, 3).mean(axis=0))
    exposure = max(0.0, 1.0 - abs(brightness - 0.5) * 2.0) ** 0.5
    score = (
        0.35 * sharp / (sharp + SHARPNESS_HALF)
        + 0.20 * motion / (motion + MOTION_HALF)
        + 0.15 * exposure
        + 0.30 * (1.0 if faces else 0.0)
    )
    return ScoredShot(
        shot=shot,
        width=samples.info.width,
        height=samples.info.height,
        fps=samples.info.fps,
        has_audio=samples.info.has_audio,
        sharpness=round(sharp, 2),
        motion=round(min(1.0, motion), 4),
        brightness=round(brightness, 4),
        faces=len(faces),
        subject=subject,
        subject_kind=kind,
        hashes=image_hashes(image),
        colour=(round(red / 255.0, 4), round(green / 255.0, 4), round(blue / 255.0, 4)),
        score=round(min(1.0, score), 4),
    )


def _face_box(faces: Sequence[object], width: int, height: int) -> Box:
    """The union of the faces, grown to take in hair and shoulders."""
    xs = [(f.x, f.x + f.width) for f in faces]  # type: ignore[attr-defined]
    ys = [(f.y, f.y + f.height) for f in faces]  # type: ignore[attr-defined]
    x0, x1 = min(a for a, _ in xs), max(b for _, b in xs)
    y0, y1 = min(a for a, _ in ys), max(b for _, b in ys)
    grow_x, grow_y = (x1 - x0) * 0.25, (y1 - y0) * 0.3
    return _box(
        (x0 - grow_x) / width, (y0 - grow_y) / height, (x1 + grow_x) / width, (y1 + grow_y * 2) / height
    )


def _detail_box(luma: NDArray[np.uint8], previous: NDArray[np.uint8]) -> tuple[Box, str]:
    """Centre of detail (gradient energy) and motion, with a box two standard deviations wide."""
    grey = luma.astype(np.float32)
    weight = np.abs(cv2.Sobel(grey, cv2.CV_32F, 1, 0)) + np.abs(cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    weight += 4.0 * np.abs(grey - previous.astype(np.float32))
    weight = cv2.GaussianBlur(weight, (0, 0), 3)
    total = float(weight.sum())
    height, width = luma.shape
    if total <= 1e-6:
        return Box(x=0.25, y=0.25, w=0.5, h=0.5), "centre"
    ys, xs = np.mgrid[0:height, 0:width]
    cx, cy = float((weight * xs).sum()) / total, float((weight * ys).sum()) / total
    sx = float(np.sqrt((weight * (xs - cx) ** 2).sum() / total))
    sy = float(np.sqrt((weight * (ys - cy) ** 2).sum() / total))
    half_w, half_h = max(0.1 * width, min(sx, 0.4 * width)), max(0.1 * height, min(sy, 0.4 * height))
    return _box(
        (cx - half_w) / width, (cy - half_h) / height, (cx + half_w) / width, (cy + half_h) / height
    ), "detail"


def _box(x0: float, y0: float, x1: float, y1: float) -> Box:
    x0, y0 = max(0.0, min(x0, 0.99)), max(0.0, min(y0, 0.99))
    x1, y1 = max(x0 + 0.01, min(x1, 1.0)), max(y0 + 0.01, min(y1, 1.0))
    return Box(x=round(x0, 4), y=round(y0, 4), w=round(x1 - x0, 4), h=round(y1 - y0, 4))


def group_duplicates(shots: Sequence[ScoredShot]) -> list[ScoredShot]:
    """Give near-duplicate shots (perceptual hash and mean colour, across all footage) the same
    ``group``: the index of the first shot of the group in ``shots``."""
    parent = list(range(len(shots)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(shots)):
        for j in range(i):
            if _duplicates(shots[i], shots[j]):
                a, b = root(i), root(j)
                parent[max(a, b)] = min(a, b)
    return [s.model_copy(update={"group": root(i)}) for i, s in enumerate(shots)]


def _duplicates(a: ScoredShot, b: ScoredShot) -> bool:
    colour = float(np.linalg.norm(np.subtract(a.colour, b.colour)))
    return colour <= DUPLICATE_MAX_COLOUR and is_near_duplicate(a.hashes, b.hashes)


def _analyse_one(path: str, info: FootageInfo | None) -> list[ScoredShot]:
    samples = decode_samples(path, info)
    shots = shots_from_cuts(samples, find_cuts(samples.change))
    return [score_shot(samples, shot) for shot in shots]


def analyse_footage(
    paths: Sequence[Path | str], infos: Sequence[FootageInfo] | None = None
) -> list[ScoredShot]:
    """Detect and score the shots of every footage file (two files at a time), then group duplicates.

    Shots come in input order (file by file, then by time). Raises FootageError for unusable files."""
    if infos is None:
        infos = [probe_footage(p) for p in paths]
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        per_file = list(pool.map(_analyse_one, [str(p) for p in paths], infos))
    return group_duplicates([shot for shots in per_file for shot in shots])
