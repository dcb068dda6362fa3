"""Schema of the ``args`` a Ray Serve profile passes to ``serving.app:build_app`` (see gpu_deploy/*.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Autoscaling(_Strict):
    min_replicas: int = Field(default=1, ge=0, description="Fewest replicas (0 allows scale to zero).")
    max_replicas: int = Field(default=1, ge=1, description="Most replicas.")
    target_ongoing_requests: float = Field(
        default=2.0, gt=0, description="Requests in flight per replica to aim for."
    )
    upscale_delay_s: float | None = Field(
        default=None, ge=0, description="How long load must stay high before replicas are added."
    )
    downscale_delay_s: float | None = Field(
        default=None, ge=0, description="How long load must stay low before replicas are removed."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Autoscaling:
        if self.min_replicas > self.max_replicas:
            raise ValueError(f"min_replicas {self.min_replicas} is above max_replicas {self.max_replicas}")
        return self

    def ray_config(self) -> dict[str, Any]:
        """Serve's ``autoscaling_config`` (unset delays keep Serve's defaults)."""
        return self.model_dump(exclude_none=True)


class DeploymentOptions(_Strict):
    num_replicas: int = Field(default=1, ge=1, description="Fixed replica count (ignored with autoscaling).")
    num_cpus: float = Field(default=1.0, ge=0, description="CPUs reserved per replica.")
    num_gpus: float = Field(default=0.0, ge=0, description="GPUs per replica; fractions share a GPU.")
    max_ongoing_requests: int = Field(default=16, ge=1, description="Concurrent requests per replica.")
    graceful_shutdown_timeout_s: float = Field(
        default=20.0, ge=0, description="Drain time before a replica stops."
    )
    health_check_period_s: float = Field(
        default=10.0, gt=0, description="How often Serve checks replica health."
    )
    autoscaling: Autoscaling | None = Field(default=None, description="Autoscaling instead of a fixed count.")
    accelerator_type: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Ray accelerator type the replica must land on (e.g. H100, L4), on a multi-node cluster.",
    )
    resources: dict[str, float] = Field(
        default_factory=dict, description="Custom Ray node resources a replica needs (e.g. {'cpu_pool': 1})."
    )

    @model_validator(mode="after")
    def _whole_gpus_above_one(self) -> DeploymentOptions:
        if self.num_gpus > 1 and not float(self.num_gpus).is_integer():
            raise ValueError(f"num_gpus {self.num_gpus}: above 1 a replica takes whole GPUs")
        if self.accelerator_type and self.num_gpus == 0:
            raise ValueError("accelerator_type needs num_gpus > 0")
        return self

    def ray_options(self) -> dict[str, Any]:
        """Keyword arguments for ``Deployment.options``."""
        actor: dict[str, Any] = {"num_cpus": self.num_cpus, "num_gpus": self.num_gpus}
        if self.accelerator_type:
            actor["accelerator_type"] = self.accelerator_type
        if self.resources:
            actor["resources"] = dict(self.resources)
        options: dict[str, Any] = {
            "ray_actor_options": actor,
            "max_ongoing_requests": self.max_ongoing_requests,
            "graceful_shutdown_timeout_s": self.graceful_shutdown_timeout_s,
            "health_check_period_s": self.health_check_period_s,
        }
        if self.autoscaling is not None:
            options["autoscaling_config"] = self.autoscaling.ray_config()
        else:
            options["num_replicas"] = self.num_replicas
        return options


class LLMOptions(DeploymentOptions):
    max_batch_size: int = Field(
        default=8, ge=1, le=1024, description="Requests decoded together per replica."
    )
    batch_wait_timeout_s: float = Field(
        default=0.02, ge=0, le=5, description="How long a batch waits to fill before it runs."
    )


class VisionOptions(DeploymentOptions):
    max_batch_size: int = Field(
        default=16, ge=1, le=1024, description="Images analysed together per replica (one forward pass)."
    )
    batch_wait_timeout_s: float = Field(
        default=0.02, ge=0, le=5, description="How long a batch waits to fill before it runs."
    )


LATENCY_CRITICAL = ("ingress", "llm", "text_embed", "vision")
"""Deployments an interactive request waits on: a cold start there would stall the studio and the API."""


class AppArgs(_Strict):
    """Per-deployment resources of the Atelier application."""

    ingress: DeploymentOptions = Field(
        default_factory=lambda: DeploymentOptions(num_cpus=0.5, max_ongoing_requests=200),
        description="FastAPI ingress (API, job runner).",
    )
    echo: DeploymentOptions = Field(
        default_factory=lambda: DeploymentOptions(num_cpus=0.1),
        description="Diagnostic echo model deployment.",
    )
    llm: LLMOptions | None = Field(
        default_factory=lambda: LLMOptions(num_cpus=1.0, max_ongoing_requests=64),
        description="Copywriting LLM (backend and model from the `llm` settings); null: none.",
    )
    text_embed: DeploymentOptions | None = Field(
        default_factory=lambda: DeploymentOptions(num_cpus=0.25, max_ongoing_requests=32),
        description="Multilingual text encoder (variant dedupe, text search); null: none.",
    )
    vision: VisionOptions | None = Field(
        default_factory=lambda: VisionOptions(num_cpus=1.0, max_ongoing_requests=64),
        description="Image tagger and OCR (encoder from the `vision` settings) for indexing and image "
        "search; null: none.",
    )
    image: DeploymentOptions | None = Field(
        default_factory=lambda: DeploymentOptions(num_cpus=0.1, max_ongoing_requests=4),
        description="Diffusion image generation (model from the `image` settings; give it num_gpus on a GPU "
        "node); null: none.",
    )
    poster: DeploymentOptions | None = Field(
        default_factory=lambda: DeploymentOptions(num_cpus=0.5, max_ongoing_requests=8),
        description="Poster compositor, pixel checks and OCR (CPU only; add replicas for throughput); "
        "null: none.",
    )
    video: DeploymentOptions | None = Field(
        default_factory=lambda: DeploymentOptions(num_cpus=1.0, max_ongoing_requests=2),
        description="Video remix renderer (ffmpeg; CPU, NVENC when the replica has a GPU); one render "
        "uses ~2 cores, so keep max_ongoing_requests low and add replicas; null: none.",
    )

    @model_validator(mode="after")
    def _no_scale_to_zero_on_latency_paths(self) -> AppArgs:
        for name in LATENCY_CRITICAL:
            options = getattr(self, name)
            if (
                options is not None
                and options.autoscaling is not None
                and options.autoscaling.min_replicas < 1
            ):
                raise ValueError(
                    f"{name}: min_replicas 0 (scale to zero) is refused on a latency-critical deployment; "
                    "only batch work (image, poster, video) may scale to zero"
                )
        return self


class ServeApplication(_Strict):
    name: str = Field(description="Serve application name.")
    route_prefix: str = Field(default="/", description="HTTP route prefix.")
    import_path: Literal["serving.app:build_app"] = Field(description="The app builder.")
    args: AppArgs = Field(default_factory=AppArgs, description="Arguments of build_app.")
    runtime_env: dict[str, Any] = Field(default_factory=dict, description="Ray runtime environment.")


class HttpOptions(_Strict):
    host: str = Field(default="127.0.0.1", description="Proxy listen address.")
    port: int = Field(default=8000, ge=1, le=65535, description="Proxy listen port.")


class ServeProfile(_Strict):
    """A Ray Serve config file (``serve deploy`` / KubeRay ``serveConfigV2``) restricted to Atelier."""

    proxy_location: Literal["HeadOnly", "EveryNode", "Disabled"] = Field(
        default="HeadOnly", description="Where Ray Serve runs HTTP proxies."
    )
    http_options: HttpOptions = Field(default_factory=HttpOptions, description="Proxy listen address.")
    applications: list[ServeApplication] = Field(min_length=1, description="Serve applications to run.")


def load_profile(path: Path) -> ServeProfile:
    """Read and validate a profile; pydantic's error names the bad field."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return ServeProfile.model_validate(data)
