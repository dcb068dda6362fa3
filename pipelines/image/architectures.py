"""Diffusion architectures as data: published configs of real models, and tiny ones for CPU tests.

``build_random_unet`` / ``build_random_vae`` make random-weight ``diffusers`` modules of a preset on a
device, for throughput benchmarks where real weights cannot be carried (the compute cost of a forward pass
does not depend on the weights' values) and for tests of code paths. Nothing is downloaded. diffusers and
torch are imported only when a module is built.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from pipelines.devices import seeded_init

# Values of stabilityai/stable-diffusion-xl-base-1.0 unet/config.json (about 2.57 B parameters).
_SDXL_UNET: dict[str, Any] = {
    "sample_size": 128,
    "in_channels": 4,
    "out_channels": 4,
    "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
    "up_block_types": ("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
    "block_out_channels": (320, 640, 1280),
    "layers_per_block": 2,
    "attention_head_dim": (5, 10, 20),
    "transformer_layers_per_block": (1, 2, 10),
    "cross_attention_dim": 2048,
    "use_linear_projection": True,
    "addition_embed_type": "text_time",
    "addition_time_embed_dim": 256,
    "projection_class_embeddings_input_dim": 2816,
    "norm_num_groups": 32,
}
# stabilityai/stable-diffusion-xl-base-1.0 vae/config.json (about 84 M parameters).
_SDXL_VAE: dict[str, Any] = {
    "sample_size": 1024,
    "in_channels": 3,
    "out_channels": 3,
    "latent_channels": 4,
    "down_block_types": ("DownEncoderBlock2D",) * 4,
    "up_block_types": ("UpDecoderBlock2D",) * 4,
    "block_out_channels": (128, 256, 512, 512),
    "layers_per_block": 2,
    "norm_num_groups": 32,
    "scaling_factor": 0.13025,
}
# The two CLIP text encoders of SDXL (text_encoder: ViT-L/14's, text_encoder_2: OpenCLIP bigG's, with
# projection); their hidden states are concatenated (768 + 1280 = the UNet's cross_attention_dim 2048).
_SDXL_TEXT_1: dict[str, Any] = {
    "vocab_size": 49408,
    "hidden_size": 768,
    "intermediate_size": 3072,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "max_position_embeddings": 77,
    "hidden_act": "quick_gelu",
    "projection_dim": 768,
}
_SDXL_TEXT_2: dict[str, Any] = {
    "vocab_size": 49408,
    "hidden_size": 1280,
    "intermediate_size": 5120,
    "num_hidden_layers": 32,
    "num_attention_heads": 20,
    "max_position_embeddings": 77,
    "hidden_act": "gelu",
    "projection_dim": 1280,
}
# stabilityai/stable-diffusion-xl-base-1.0 scheduler/scheduler_config.json (EulerDiscreteScheduler).
_SDXL_SCHEDULER: dict[str, Any] = {
    "num_train_timesteps": 1000,
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "prediction_type": "epsilon",
    "steps_offset": 1,
    "timestep_spacing": "leading",
    "interpolation_type": "linear",
    "use_karras_sigmas": False,
}
# The same block layout at toy widths: seconds on a CPU, same code paths (text_time conditioning).
_TINY_UNET: dict[str, Any] = {
    **_SDXL_UNET,
    "sample_size": 16,
    "block_out_channels": (32, 64),
    "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D"),
    "up_block_types": ("CrossAttnUpBlock2D", "UpBlock2D"),
    "attention_head_dim": (2, 4),
    "transformer_layers_per_block": (1, 2),
    "layers_per_block": 1,
    "cross_attention_dim": 32,
    "addition_time_embed_dim": 8,
    "projection_class_embeddings_input_dim": 80,  # text_embeds (32) + 6 time ids × 8
    "norm_num_groups": 8,
}
_TINY_VAE: dict[str, Any] = {
    **_SDXL_VAE,
    "sample_size": 128,
    "down_block_types": ("DownEncoderBlock2D",) * 2,
    "up_block_types": ("UpDecoderBlock2D",) * 2,
    "block_out_channels": (16, 32),
    "layers_per_block": 1,
    "norm_num_groups": 8,
}


_TINY_TEXT_1: dict[str, Any] = {
    **_SDXL_TEXT_1,
    "hidden_size": 16,
    "intermediate_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "projection_dim": 16,
}
_TINY_TEXT_2: dict[str, Any] = {
    **_SDXL_TEXT_2,
    "hidden_size": 16,
    "intermediate_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "projection_dim": 32,  # the pooled embedding: the UNet's text_embeds width
}


class DiffusionArchitecture(BaseModel):
    """A latent-diffusion model's shape: UNet and VAE configs, text conditioning and native size."""

    model_config = ConfigDict(frozen=True)

    name: str
    unet: dict[str, Any]
    vae: dict[str, Any]
    text_encoder: dict[str, Any]
    """CLIPTextModel config (hidden states only)."""
    text_encoder_2: dict[str, Any]
    """CLIPTextModelWithProjection config (hidden states and the pooled embedding)."""
    scheduler: dict[str, Any]
    text_tokens: int
    """Prompt length the text encoders produce (CLIP: 77)."""
    pooled_text_dim: int
    """Width of the pooled text embedding fed to ``text_time`` conditioning."""
    native_size: int
    """Native image side in pixels (SDXL: 1024)."""

    @property
    def latent_scale(self) -> int:
        """Pixels per latent cell: 2 ** (VAE down blocks - 1)."""
        return int(2 ** (len(self.vae["block_out_channels"]) - 1))


ARCHITECTURES: dict[str, DiffusionArchitecture] = {
    "sdxl": DiffusionArchitecture(
        name="sdxl",
        unet=_SDXL_UNET,
        vae=_SDXL_VAE,
        text_encoder=_SDXL_TEXT_1,
        text_encoder_2=_SDXL_TEXT_2,
        scheduler=_SDXL_SCHEDULER,
        text_tokens=77,
        pooled_text_dim=1280,
        native_size=1024,
    ),
    "tiny": DiffusionArchitecture(
        name="tiny",
        unet=_TINY_UNET,
        vae=_TINY_VAE,
        text_encoder=_TINY_TEXT_1,
        text_encoder_2=_TINY_TEXT_2,
        scheduler=_SDXL_SCHEDULER,
        text_tokens=77,
        pooled_text_dim=32,
        native_size=32,
    ),
}


def architecture(name: str) -> DiffusionArchitecture:
    """The named preset, or a ``ValueError`` naming the known ones."""
    if name not in ARCHITECTURES:
        raise ValueError(
            f"unknown diffusion architecture {name!r}; known: {', '.join(sorted(ARCHITECTURES))}"
        )
    return ARCHITECTURES[name]


def _build(factory: Any, config: dict[str, Any], device: str, dtype: str, seed: int) -> Any:
    import torch

    with seeded_init(torch, device, dtype, seed):
        module = factory(**config)
    return module.eval()


def build_random_unet(name: str, *, device: str = "cpu", dtype: str = "float32", seed: int = 0) -> Any:
    """A random-weight ``UNet2DConditionModel`` of the preset, built directly on ``device``."""
    from diffusers import UNet2DConditionModel

    return _build(UNet2DConditionModel, architecture(name).unet, device, dtype, seed)


def build_random_vae(name: str, *, device: str = "cpu", dtype: str = "float32", seed: int = 0) -> Any:
    """A random-weight ``AutoencoderKL`` of the preset, built directly on ``device``."""
    from diffusers import AutoencoderKL

    return _build(AutoencoderKL, architecture(name).vae, device, dtype, seed)
