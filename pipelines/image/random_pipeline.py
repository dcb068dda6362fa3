"""Random-weight SDXL-layout pipelines written as diffusers folders, for tests and GPU benchmarks.

The folder is what ``DiffusersImageGenerator`` loads in production (``model_index.json``, unet, vae, two
text encoders, two tokenizers, scheduler), so tests run the real loading and generation code. The
tokenizers are byte-level CLIP BPE with no merges (514 ids, all inside CLIP's 49,408-id vocabulary):
any text, Chinese included, encodes. Nothing is downloaded; torch, transformers and diffusers are
imported only when called. No picture quality at all: for code paths, speed and memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.devices import seeded_init
from pipelines.image.architectures import architecture, build_random_unet, build_random_vae

START, END = "<|startoftext|>", "<|endoftext|>"


def build_clip_tokenizer(max_length: int = 77) -> Any:
    """A CLIP tokenizer over single bytes (no merges): 256 byte symbols, their word-final forms and the
    two specials."""
    from tokenizers import pre_tokenizers
    from transformers import CLIPTokenizer

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab: dict[str, int] = {}
    for symbol in alphabet + [s + "</w>" for s in alphabet] + [START, END]:
        vocab[symbol] = len(vocab)
    factory: Any = CLIPTokenizer  # untyped constructor in transformers 5
    return factory(vocab=vocab, merges=[], model_max_length=max_length, pad_token=END)


def _text_encoder(config: dict[str, Any], projection: bool, device: str, dtype: str, seed: int) -> Any:
    import torch
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    factory: Any = CLIPTextModelWithProjection if projection else CLIPTextModel
    with seeded_init(torch, device, dtype, seed):
        model = factory(CLIPTextConfig(**config, bos_token_id=512, eos_token_id=513, pad_token_id=513))
    return model.eval()


def build_random_pipeline(
    folder: str | Path,
    preset: str = "tiny",
    *,
    seed: int = 0,
    dtype: str = "float32",
    device: str = "cpu",
) -> Path:
    """Write a random-weight ``StableDiffusionXLPipeline`` of the preset (``tiny`` or ``sdxl``) to
    ``folder`` and return it. Same seed, same weights (on the same device)."""
    from diffusers import EulerDiscreteScheduler, StableDiffusionXLPipeline

    arch = architecture(preset)
    tokenizer = build_clip_tokenizer(arch.text_tokens)
    pipeline: Any = StableDiffusionXLPipeline(
        vae=build_random_vae(preset, device=device, dtype=dtype, seed=seed),
        text_encoder=_text_encoder(arch.text_encoder, False, device, dtype, seed + 1),
        text_encoder_2=_text_encoder(arch.text_encoder_2, True, device, dtype, seed + 2),
        tokenizer=tokenizer,
        tokenizer_2=tokenizer,
        unet=build_random_unet(preset, device=device, dtype=dtype, seed=seed + 3),
        scheduler=EulerDiscreteScheduler(**arch.scheduler),
    )
    out = Path(folder)
    pipeline.save_pretrained(out, safe_serialization=True)
    del pipeline
    return out
