"""Labelled JSONL for the learned second opinions: one ``{"text", "categories"}`` object per line."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path


def read_labelled(files: Sequence[Path]) -> tuple[list[str], list[set[str]], list[int]]:
    """Texts, their category sets (``categories``, or a case file's ``expected``) and their file's index
    (a cross-validation group: one writer); a bad line raises ValueError naming its file and line."""
    texts: list[str] = []
    labels: list[set[str]] = []
    groups: list[int] = []
    for index, path in enumerate(files):
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
                texts.append(str(row["text"]))
                labels.append(set(row.get("categories", row.get("expected", []))))
                groups.append(index)
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: {exc}") from exc
    return texts, labels, groups
