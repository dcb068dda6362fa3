"""A deterministic image encoder with no weights, for tests of the layers above (search, upload tagging).

The embedding is the 8x8 colour thumbnail of the centre square (192 values, centred on mid-grey and
L2-normalised): an image, its re-encodes and its resizes land close together, different pictures apart.
Labels are ImageNet classes picked by colour, so taxonomy tags come out as with the real classifier:
each of the 64 cells is named with the nearest palette colour and the colour's class gets the cell's share.

| colour | class (index) | tag |      | colour | class (index) | tag |
|---|---|---|---|---|---|---|
| brown | espresso (967) | food_beverage/coffee | | blue | seashore (978) | outdoor/beach |
| orange | orange (950) | food_beverage/fruit | | cyan | lakeside (975) | outdoor/beach |
| red | sports car (817) | transport/car | | purple | lipstick (629) | beauty/makeup |
| yellow, gold | daisy (985) | flowers_plants | | pink | teddy (850) | baby_kids/toys |
| green | valley (979) | outdoor/mountain | | black | laptop (620) | digital/computer |
| white | pillow (721) | home/decor | | grey | cellular telephone (487) | digital/phone |
| beige | bagel (931) | food_beverage/dessert | | | | |
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from pipelines.vision.colours import colour_names
from pipelines.vision.config import VisionConfig
from pipelines.vision.protocol import BaseImageEncoder

GRID = 8
CLASSES = 1000
COLOUR_CLASSES: dict[str, tuple[int, str]] = {
    "brown": (967, "espresso"),
    "orange": (950, "orange"),
    "red": (817, "sports car"),
    "yellow": (985, "daisy"),
    "gold": (985, "daisy"),
    "green": (979, "valley"),
    "blue": (978, "seashore"),
    "cyan": (975, "lakeside"),
    "purple": (629, "lipstick"),
    "pink": (850, "teddy"),
    "black": (620, "laptop"),
    "white": (721, "pillow"),
    "grey": (487, "cellular telephone"),
    "beige": (931, "bagel"),
}


class FakeImageEncoder(BaseImageEncoder):
    """Colour-grid embedding (192-d) and colour-derived ImageNet labels; instant, no weights."""

    name = "fake-colour-grid"
    dim = GRID * GRID * 3
    supports_text = False

    def __init__(self, config: VisionConfig | None = None) -> None:
        super().__init__(batch_size=(config or VisionConfig(backend="fake")).batch_size)
        names = [f"class {i}" for i in range(CLASSES)]
        for index, name in COLOUR_CLASSES.values():
            names[index] = name
        self._names = names

    @property
    def label_names(self) -> Sequence[str]:
        return self._names

    def _load(self) -> None:
        return None

    def _forward(self, images: list[Image.Image]) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        grids = [self._grid(image) for image in images]
        features = np.stack([grid.reshape(-1) / 255.0 - 0.5 for grid in grids]).astype(np.float32)
        flat = np.linalg.norm(features, axis=1) == 0
        features[flat] = 1.0  # a uniform mid-grey image still gets a unit row
        probabilities = np.zeros((len(images), CLASSES), dtype=np.float32)
        for row, grid in enumerate(grids):
            for _, en in colour_names(grid.reshape(-1, 3)):
                probabilities[row, COLOUR_CLASSES[en][0]] += 1.0 / (GRID * GRID)
        return features, probabilities

    @staticmethod
    def _grid(image: Image.Image) -> NDArray[np.float64]:
        side = min(image.size)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        box = (left, top, left + side, top + side)
        return np.asarray(image.resize((GRID, GRID), Image.Resampling.BOX, box=box), dtype=np.float64)
