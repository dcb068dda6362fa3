#!/usr/bin/env bash
# The GPU checks, run on the lent GPU machine through the device tool (never in CI):
#   run(command="bash scripts/gpu_checks.sh", carry=[".whl"])
# The machine's image has CUDA torch, transformers, timm and numpy; what Atelier needs beyond that
# travels as Python 3.12 wheels in .whl/ (see eval/README.md). Results land in $OUT.
set -uo pipefail
out="${OUT:-/tmp/atelier-gpu-out}"
mkdir -p "$out"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
  || { echo "gpu_checks: wheel install failed" >&2; exit 1; }
export PYTHONPATH="/tmp/site:$PWD" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_VERBOSITY=error
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 - <<'PY'
import diffusers, open_clip, pydantic, torch, transformers
print("torch", torch.__version__, "cuda", torch.version.cuda, "transformers", transformers.__version__,
      "diffusers", diffusers.__version__, "open_clip", open_clip.__version__, "pydantic", pydantic.VERSION)
PY
python3 - "$out" "${GPU_BENCH_OPTIONS:-}" <<'PY'
import json, sys, time
from pathlib import Path
from eval import harness
options = dict(item.split("=", 1) for item in sys.argv[2].split() if "=" in item)
began = time.perf_counter()
result = harness.run("bench", "gpu", results_dir=Path(sys.argv[1]), options=options or None)
print(json.dumps(result, ensure_ascii=False))
print(f"bench gpu: {time.perf_counter() - began:.0f} s", file=sys.stderr)
PY
bench_rc=$?
python3 -m pytest tests/gpu -p no:cacheprovider --noconftest -c /dev/null --rootdir . -q -o addopts="" \
  --junitxml="$out/gpu-tests.xml" 2>&1 | tail -25
test_rc=${PIPESTATUS[0]}
echo "gpu_checks: bench rc=$bench_rc tests rc=$test_rc"
exit $(( bench_rc || test_rc ))
