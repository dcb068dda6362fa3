"""Re-quantize a GGUF's Q5_0 weights to Q4_0, which llama.cpp's CPU build repacks for its fast AVX2
matrix kernels (Q5_0 has no repacked form and runs through the slower generic dot products).

The published Qwen2.5-0.5B "Q4_K_M" file is mostly Q5_0: its 896-wide rows do not divide into K-quant
blocks of 256, so llama.cpp fell back to Q5_0 for them. Only those tensors change here; the token
embedding (a row lookup, not a matrix product), the Q8_0 output layer and the K-quant tensors are copied
as they are. The values are dequantized exactly and re-quantized in blocks of 32 with the reference
rounding, so the result is deterministic. ``atelier bench llm`` and ``atelier eval llm_quant`` measure the
speed and the quality cost; ``gguf`` (the llama.cpp project's reader and writer) is imported lazily.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from pipelines.base import MissingDependency
from pipelines.llm.protocol import LLMError

_KEEP = frozenset({"token_embd.weight"})


def import_gguf() -> ModuleType:
    """The ``gguf`` package (the llama.cpp project's GGUF reader and writer), imported on first use."""
    try:
        import gguf
    except ImportError as exc:
        raise MissingDependency(
            "re-quantizing a GGUF needs the gguf package: pip install 'gguf==0.19.0'"
        ) from exc
    module: ModuleType = gguf
    return module


def requantize_q5_0_to_q4_0(source: Path, target: Path) -> dict[str, int]:
    """Write ``target``: ``source`` with every Q5_0 matrix (the token embedding aside) as Q4_0.

    Written through a temp file in ``target``'s directory and renamed into place, so a reader never sees
    a partial file. Returns counts: ``converted`` and ``copied`` tensors."""
    gguf = import_gguf()
    try:
        reader = gguf.GGUFReader(str(source))
    except (OSError, ValueError) as exc:
        raise LLMError(f"cannot read GGUF {source}: {exc}") from exc
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    temp = Path(temp_name)
    try:
        try:
            counts = _write(gguf, reader, temp)
        except ValueError as exc:  # the writer refuses metadata it cannot pack
            raise LLMError(f"cannot re-quantize {source}: {exc}") from exc
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except OSError as exc:
        raise LLMError(f"cannot write {target}: {exc}") from exc
    finally:
        temp.unlink(missing_ok=True)
    return counts


def write_like(gguf: ModuleType, reader: Any, path: Path, tensors: Iterable[tuple[str, Any, Any]]) -> None:
    """Write ``path``: every metadata field of ``reader`` (values copied exactly), then ``tensors`` as
    (name, data, quantization type)."""
    arch_field = reader.fields["general.architecture"]
    architecture = bytes(arch_field.parts[arch_field.data[0]]).decode("utf-8")
    writer = gguf.GGUFWriter(str(path), architecture)
    for field in reader.fields.values():
        if field.name.startswith("GGUF.") or field.name == "general.architecture":
            continue
        value_type = field.types[0]
        sub_type = field.types[-1] if value_type == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, _field_value(gguf, field), value_type, sub_type=sub_type)
    quant = gguf.GGMLQuantizationType
    for name, data, kind in tensors:
        raw_shape = data.shape if kind in (quant.F32, quant.F16) else None
        writer.add_tensor(name, data, raw_shape=raw_shape, raw_dtype=kind)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def _write(gguf: ModuleType, reader: Any, path: Path) -> dict[str, int]:
    quant = gguf.GGMLQuantizationType
    counts = {"converted": 0, "copied": 0}

    def tensors() -> Iterator[tuple[str, Any, Any]]:
        for tensor in reader.tensors:
            data = tensor.data
            kind = tensor.tensor_type
            if kind == quant.Q5_0 and tensor.name not in _KEEP:
                shape = [int(n) for n in reversed(tensor.shape)]
                values = gguf.quants.dequantize(data, kind).reshape(shape)
                data, kind = gguf.quants.quantize(values, quant.Q4_0), quant.Q4_0
                counts["converted"] += 1
            else:
                counts["copied"] += 1
            yield tensor.name, data, kind

    write_like(gguf, reader, path, tensors())
    return counts


def _field_value(gguf: ModuleType, field: Any) -> Any:
    """A reader field's value as the writer takes it: strings as their raw bytes (copied exactly, valid
    UTF-8 or not), arrays as lists."""
    value_type = field.types[0]
    if value_type == gguf.GGUFValueType.ARRAY:
        if field.types[-1] == gguf.GGUFValueType.STRING:
            return [bytes(field.parts[i]) for i in field.data]
        return [field.parts[i].tolist()[0] for i in field.data]
    if value_type == gguf.GGUFValueType.STRING:
        return bytes(field.parts[field.data[0]])
    return field.parts[field.data[0]].tolist()[0]
