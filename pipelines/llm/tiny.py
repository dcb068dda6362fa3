"""Random-weight causal LMs written to a folder in the Hugging Face layout, for tests and GPU benchmarks.

Nothing is downloaded: the tokenizer is a small byte-level BPE trained here on a fixed corpus (any text,
Chinese included, encodes), saved with a ChatML chat template; the weights come from a seeded init.
``build_tiny_causal_lm`` makes a 2-layer, 64-wide Qwen2 model (about 0.1 M parameters, CPU tests);
``build_random_causal_lm`` uses a real architecture (e.g. Qwen2.5-0.5B) for honest throughput numbers,
with no language quality at all. torch, tokenizers and transformers are imported only when called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.devices import seeded_init

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
"""ids 0, 1, 2: pad, turn start, turn end (= EOS), as in Qwen's chat format."""

_CORPUS = (
    "Fresh coffee every morning, roasted for you.",
    "New season, new taste: try the limited edition today!",
    "Brand new look, same great quality. Free delivery this week.",
    "Write a short slogan for a summer drink campaign.",
    "You are a helpful copywriter for a brand group's content team.",
    "限时优惠，新品上市，欢迎品尝！",
    "夏日清爽，一口就爱上。",
    "为品牌写一句简短的广告语。",
    "你是一名品牌内容团队的文案助手。",
    '{"title": "Summer", "body": "Cold brew", "tags": ["coffee", "new"]}',
)

PRESETS: dict[str, dict[str, Any]] = {
    # Values of the published config.json of Qwen/Qwen2.5-0.5B-Instruct (about 494 M parameters).
    "qwen2.5-0.5b": {
        "hidden_size": 896,
        "intermediate_size": 4864,
        "num_hidden_layers": 24,
        "num_attention_heads": 14,
        "num_key_value_heads": 2,
        "vocab_size": 151936,
        "max_position_embeddings": 32768,
        "rope_theta": 1000000.0,
        "rms_norm_eps": 1e-6,
        "tie_word_embeddings": True,
        "hidden_act": "silu",
    },
    # Qwen/Qwen2.5-1.5B-Instruct (about 1.54 B parameters).
    "qwen2.5-1.5b": {
        "hidden_size": 1536,
        "intermediate_size": 8960,
        "num_hidden_layers": 28,
        "num_attention_heads": 12,
        "num_key_value_heads": 2,
        "vocab_size": 151936,
        "max_position_embeddings": 32768,
        "rope_theta": 1000000.0,
        "rms_norm_eps": 1e-6,
        "tie_word_embeddings": True,
        "hidden_act": "silu",
    },
    # Qwen/Qwen2.5-7B-Instruct (about 7.6 B parameters; 15 GB in bfloat16).
    "qwen2.5-7b": {
        "hidden_size": 3584,
        "intermediate_size": 18944,
        "num_hidden_layers": 28,
        "num_attention_heads": 28,
        "num_key_value_heads": 4,
        "vocab_size": 152064,
        "max_position_embeddings": 32768,
        "rope_theta": 1000000.0,
        "rms_norm_eps": 1e-6,
        "tie_word_embeddings": False,
        "hidden_act": "silu",
    },
    # Weights wider than a real init (std 0.3, not 0.02) so the output depends on the prompt and seed.
    "tiny": {
        "initializer_range": 0.3,
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 4096,
        "rope_theta": 10000.0,
        "rms_norm_eps": 1e-6,
        "tie_word_embeddings": True,
        "hidden_act": "silu",
    },
}


def build_tiny_tokenizer(vocab_size: int = 512) -> Any:
    """A byte-level BPE ``PreTrainedTokenizerFast`` trained on a fixed corpus (deterministic), ChatML
    template, ``<|im_end|>`` as EOS and ``<|endoftext|>`` as pad."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(list(_CORPUS) * 4, trainer)
    fast_cls: Any = PreTrainedTokenizerFast  # an untyped constructor in transformers 5
    fast = fast_cls(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>", model_max_length=32768
    )
    fast.chat_template = CHATML_TEMPLATE
    return fast


def _write(folder: Path, preset: str, vocab_size: int | None, seed: int, dtype: str, device: str) -> Path:
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    tokenizer = build_tiny_tokenizer()
    values = dict(PRESETS[preset])
    values["vocab_size"] = vocab_size or values.get("vocab_size") or len(tokenizer)
    if values["vocab_size"] < len(tokenizer):
        raise ValueError(
            f"vocab_size {values['vocab_size']} is smaller than the tokenizer ({len(tokenizer)})"
        )
    config = Qwen2Config(
        **values,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        use_sliding_window=False,
    )
    with seeded_init(torch, device, dtype, seed):
        model: Any = Qwen2ForCausalLM(config)
        model.eval()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    del model
    return folder


def build_tiny_causal_lm(folder: str | Path, *, seed: int = 0, vocab_size: int | None = None) -> Path:
    """Write a tiny random Qwen2ForCausalLM (hidden 64, 2 layers, float32) and its tokenizer to ``folder``.

    Same seed, same weights; takes well under a second on a CPU. Returns the folder.
    """
    return _write(Path(folder), "tiny", vocab_size, seed, "float32", "cpu")


def build_random_causal_lm(
    folder: str | Path,
    preset: str = "qwen2.5-0.5b",
    *,
    seed: int = 0,
    dtype: str = "bfloat16",
    device: str = "cpu",
) -> Path:
    """Write a random-weight model with a real architecture (``PRESETS``) for throughput benchmarks.

    The tokenizer is the tiny one: its ids (< 512) all fall inside the real 151,936-token vocabulary, so
    prompts encode and the full-size embedding and LM head do their real work; sampled ids beyond the
    tiny vocabulary decode to nothing, so count tokens, not characters. ``device="cuda"`` makes the
    random init fast. No language quality: for speed and memory only.
    """
    if preset not in PRESETS or preset == "tiny":
        raise ValueError(f"unknown preset {preset!r}; known: {', '.join(p for p in PRESETS if p != 'tiny')}")
    return _write(Path(folder), preset, None, seed, dtype, device)
