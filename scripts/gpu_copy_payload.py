"""Pack the default GGUF for a lent GPU machine, whose calls carry at most 64 MiB each: the file without
its output layer (Qwen2.5-0.5B ties it to the token embedding, which transformers then reuses: 145 MB
less), cut into numbered parts, and a manifest with the sha256 of the whole. scripts/gpu_copy_bench.sh
joins the parts there, checks the sha256 and runs ``atelier bench copy`` on the transformers backend.

    python scripts/gpu_copy_payload.py SOURCE.gguf OUT_DIR [--part-mb 46]
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from pipelines.llm.requantize import import_gguf, write_like

DROPPED = frozenset({"output.weight"})


def tied_copy(source: Path, target: Path) -> None:
    """``source`` without the tensors in DROPPED, every other field and tensor copied byte for byte."""
    gguf = import_gguf()
    reader = gguf.GGUFReader(str(source))
    kept = ((t.name, t.data, t.tensor_type) for t in reader.tensors if t.name not in DROPPED)
    write_like(gguf, reader, target, kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--part-mb", type=int, default=46)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    whole = args.out / (args.source.stem + "-tied.gguf")
    tied_copy(args.source, whole)
    data = whole.read_bytes()
    size = args.part_mb * 1024 * 1024
    parts = [data[i : i + size] for i in range(0, len(data), size)]
    for n, part in enumerate(parts):
        (args.out / f"{whole.name}.part{n:02d}").write_bytes(part)
    manifest = {"file": whole.name, "sha256": hashlib.sha256(data).hexdigest(), "parts": len(parts)}
    (args.out / "manifest.json").write_text(json.dumps(manifest) + "\n")
    whole.unlink()
    print(json.dumps(manifest))


if __name__ == "__main__":
    main()
