"""Resumable steps in a work directory. Each step writes its outputs under temporary names
(``.name.part.ext``), renames them into place when it succeeds and records itself in ``manifest.json``
(written atomically) with a key: the hash of everything it depends on. A re-run skips a step whose key
matches and whose outputs exist; a failed or killed step leaves only ``.part`` files, which are removed."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"


def fingerprint(path: str | Path | None) -> list[Any] | None:
    """(absolute path, size, mtime in ns) of a file, or None: a changed input invalidates its steps."""
    if path is None:
        return None
    stat = Path(path).stat()
    return [str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns]


def step_key(*parts: Any) -> str:
    """sha256 of the parts as canonical JSON."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def part_name(name: str) -> str:
    """The temporary name a step writes ``name`` under."""
    stem, dot, suffix = name.rpartition(".")
    return f".{stem}.part.{suffix}" if dot else f".{name}.part"


class WorkDir:
    """A render's work directory and its manifest of finished steps."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        for stale in self.root.glob(".*.part*"):
            stale.unlink(missing_ok=True)
        try:
            self.manifest: dict[str, Any] = json.loads((self.root / MANIFEST).read_text())
        except (FileNotFoundError, ValueError):
            self.manifest = {"steps": {}}

    def info(self, step: str) -> dict[str, Any]:
        """What a finished step recorded (empty if nothing)."""
        return dict(self.manifest["steps"].get(step, {}).get("info", {}))

    def path(self, name: str) -> Path:
        return self.root / name

    def done(self, step: str, key: str) -> bool:
        entry = self.manifest["steps"].get(step)
        if entry is None or entry.get("key") != key:
            return False
        return all((self.root / name).is_file() for name in entry.get("outputs", []))

    def run(
        self,
        step: str,
        key: str,
        outputs: Sequence[str],
        action: Callable[[Mapping[str, Path]], Mapping[str, Any] | None],
    ) -> tuple[bool, float]:
        """Run ``action`` (given output name → temporary path; it may return facts to record under
        ``info``) unless the step is done; (skipped, seconds)."""
        if self.done(step, key):
            return True, 0.0
        started = time.perf_counter()
        parts = {name: self.root / part_name(name) for name in outputs}
        try:
            info = action(parts)
            for name, part in parts.items():
                if not part.is_file():
                    raise RuntimeError(f"step {step} did not write {name}")
                os.replace(part, self.root / name)
        finally:
            for part in parts.values():
                part.unlink(missing_ok=True)
        self.manifest["steps"][step] = {
            "key": key,
            "outputs": list(outputs),
            "seconds": round(time.perf_counter() - started, 3),
            "info": dict(info or {}),
        }
        self._save()
        return False, time.perf_counter() - started

    def _save(self) -> None:
        temporary = self.root / part_name(MANIFEST)
        temporary.write_text(json.dumps(self.manifest, indent=1, sort_keys=True))
        os.replace(temporary, self.root / MANIFEST)


def publish(source: Path, target: Path) -> None:
    """Copy a finished file to ``target`` atomically (temporary name in the target's folder, rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(part_name(target.name))
    try:
        with source.open("rb") as src, temporary.open("wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
