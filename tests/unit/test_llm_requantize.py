"""Re-quantizing a GGUF (Q5_0 matrices to Q4_0) on tiny files built here: the right tensors change type,
values stay within a quantization step, everything else is copied byte for byte, the result is
deterministic; a derived catalogue entry is made once from its source, hash-verified."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import gguf
import numpy as np
import pytest

from pipelines.base import MissingDependency
from pipelines.llm.catalog import CatalogEntry, GgufPart, ensure_gguf
from pipelines.llm.protocol import LLMError
from pipelines.llm.requantize import requantize_q5_0_to_q4_0

Q = gguf.GGMLQuantizationType
TOKENS = ["<a>", "你好", "Ġworld", "\u00e4\u00bd"]


def tiny_gguf(path: Path) -> dict[str, np.ndarray]:
    """A small llama-shaped GGUF: Q5_0 embedding and matrix, Q8_0 output, an F32 norm; returns the float
    values of each tensor as stored (dequantized)."""
    rng = np.random.default_rng(7)
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_uint32("llama.context_length", 128)
    writer.add_string("general.name", "tiny 测试")
    writer.add_token_list(TOKENS)
    writer.add_array("tokenizer.ggml.scores", [0.0, -1.5, -2.0, -3.25])
    stored: dict[str, np.ndarray] = {}
    for name, kind, shape in (
        ("token_embd.weight", Q.Q5_0, (4, 64)),
        ("blk.0.ffn_up.weight", Q.Q5_0, (16, 64)),
        ("output.weight", Q.Q8_0, (4, 64)),
        ("output_norm.weight", Q.F32, (64,)),
    ):
        values = rng.normal(0, 0.05, size=shape).astype(np.float32)
        if kind == Q.F32:
            writer.add_tensor(name, values)
            stored[name] = values
        else:
            raw = gguf.quants.quantize(values, kind)
            writer.add_tensor(name, raw, raw_dtype=kind)
            stored[name] = gguf.quants.dequantize(raw, kind).reshape(shape)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return stored


def test_q5_0_matrices_become_q4_0_and_the_rest_is_copied(tmp_path: Path) -> None:
    source, target = tmp_path / "in.gguf", tmp_path / "out.gguf"
    stored = tiny_gguf(source)
    counts = requantize_q5_0_to_q4_0(source, target)
    assert counts == {"converted": 1, "copied": 3}
    before, after = gguf.GGUFReader(str(source)), gguf.GGUFReader(str(target))
    types = {t.name: t.tensor_type for t in after.tensors}
    assert types == {
        "token_embd.weight": Q.Q5_0,  # a row lookup: kept
        "blk.0.ffn_up.weight": Q.Q4_0,
        "output.weight": Q.Q8_0,
        "output_norm.weight": Q.F32,
    }
    old = {t.name: t for t in before.tensors}
    for tensor in after.tensors:
        if tensor.name != "blk.0.ffn_up.weight":
            assert bytes(tensor.data) == bytes(old[tensor.name].data), tensor.name
    matrix = next(t for t in after.tensors if t.name == "blk.0.ffn_up.weight")
    values = gguf.quants.dequantize(matrix.data, Q.Q4_0).reshape(16, 64)
    original = stored["blk.0.ffn_up.weight"]
    step = np.abs(original.reshape(-1, 32)).max(axis=1) / 8  # Q4_0: 16 levels per block of 32
    assert (np.abs(values - original).reshape(-1, 32).max(axis=1) <= step * 1.01).all()
    assert [
        bytes(after.fields["tokenizer.ggml.tokens"].parts[i]).decode()
        for i in after.fields["tokenizer.ggml.tokens"].data
    ] == TOKENS
    name = after.fields["general.name"]
    assert bytes(name.parts[name.data[0]]).decode() == "tiny 测试"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_deterministic(tmp_path: Path) -> None:
    source = tmp_path / "in.gguf"
    tiny_gguf(source)
    requantize_q5_0_to_q4_0(source, tmp_path / "a.gguf")
    requantize_q5_0_to_q4_0(source, tmp_path / "b.gguf")
    assert (tmp_path / "a.gguf").read_bytes() == (tmp_path / "b.gguf").read_bytes()


def test_unreadable_source_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a gguf file at all")
    with pytest.raises(LLMError, match="cannot read GGUF"):
        requantize_q5_0_to_q4_0(bad, tmp_path / "out.gguf")
    assert not (tmp_path / "out.gguf").exists()


def test_missing_gguf_package_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gguf", None)
    with pytest.raises(MissingDependency, match="pip install 'gguf==0.19.0'"):
        requantize_q5_0_to_q4_0(tmp_path / "in.gguf", tmp_path / "out.gguf")


def _entries(
    site: Path, monkeypatch: pytest.MonkeyPatch, source: bytes, derived_sha: str
) -> dict[str, CatalogEntry]:
    """A one-part source entry (a fake package on sys.path) and an entry derived from it."""
    package = site / "atelier_tiny_requant_part1"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "data" / "part01.bin").write_bytes(source)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "atelier_tiny_requant_part1", raising=False)
    base = CatalogEntry(
        name="tiny-base",
        parts=(GgufPart("atelier_tiny_requant_part1", "data/part01.bin"),),
        sha256=hashlib.sha256(source).hexdigest(),
        size_bytes=len(source),
        version="1.0.0",
        description="test",
        chat_template="chatml",
    )
    derived = CatalogEntry(
        name="tiny-base-q4_0",
        parts=(),
        sha256=derived_sha,
        size_bytes=None,
        version="1.0.0",
        description="test",
        chat_template="chatml",
        quant="Q4_0",
        derived_from="tiny-base",
    )
    return {base.name: base, derived.name: derived}


def test_derived_entry_is_made_once_from_its_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "in.gguf"
    tiny_gguf(source)
    requantize_q5_0_to_q4_0(source, tmp_path / "expected.gguf")
    expected = (tmp_path / "expected.gguf").read_bytes()
    catalog = _entries(
        tmp_path / "site", monkeypatch, source.read_bytes(), hashlib.sha256(expected).hexdigest()
    )
    cache = tmp_path / "cache"
    path = ensure_gguf("tiny-base-q4_0", cache, catalog)
    assert path == cache / "tiny-base-q4_0.gguf" and path.read_bytes() == expected
    assert (cache / "tiny-base.gguf").read_bytes() == source.read_bytes()  # the source, joined on the way
    assert catalog["tiny-base-q4_0"].model_id == "tiny-base-q4_0"
    stamp = path.stat().st_mtime_ns
    assert ensure_gguf("tiny-base-q4_0", cache, catalog) == path
    assert path.stat().st_mtime_ns == stamp  # reused, not made again


def test_derived_file_with_the_wrong_hash_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "in.gguf"
    tiny_gguf(source)
    catalog = _entries(tmp_path / "site", monkeypatch, source.read_bytes(), "0" * 64)
    cache = tmp_path / "cache"
    with pytest.raises(LLMError, match="gave sha256"):
        ensure_gguf("tiny-base-q4_0", cache, catalog)
    assert not (cache / "tiny-base-q4_0.gguf").exists()
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]
