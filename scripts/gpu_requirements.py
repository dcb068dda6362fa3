"""Write requirements/gpu.txt from requirements/lock.txt: the GPU image's pins (vLLM decides torch and
transformers; the CPU llama.cpp build is left out). Run after changing the lock."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VLLM = "vllm==0.33.0"
EXTRA = ("torchaudio==2.11.0",)
OVERRIDES = {
    "torch": "torch==2.14.0",
    "torchvision": "torchvision==0.29.0",
    "transformers": "transformers==5.20.2",
}
DROP = {"xllamacpp"}
HEADER = (
    "# Pins of the GPU image (gpu_deploy/Dockerfile.gpu): requirements/lock.txt with the versions vLLM",
    "# requires (vllm 0.33.0: torch==2.14.0, torchvision==0.29.0, torchaudio==2.11.0, transformers<5.21),",
    "# plus vLLM. CUDA comes from the torch/vLLM wheels (nvidia-* packages); the host gives the driver.",
    "# Regenerate with scripts/gpu_requirements.py after changing requirements/lock.txt.",
)


def render(lock: str) -> str:
    """The text of requirements/gpu.txt for the given lock file text."""
    lines = [*HEADER, VLLM, *EXTRA]
    for line in lock.splitlines():
        name = line.split("==")[0].strip().lower()
        if not name or name in DROP:
            continue
        lines.append(OVERRIDES.get(name, line.strip()))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    target = ROOT / "requirements" / "gpu.txt"
    target.write_text(
        render((ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8")), encoding="utf-8"
    )
    print(f"wrote {target}")
