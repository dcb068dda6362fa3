"""Ray Serve app builder, selected by a profile: ``import_path: serving.app:build_app``."""

from __future__ import annotations

from typing import Any

from serving.deploy_profile import AppArgs


def build_app(args: dict[str, Any] | None = None) -> Any:
    """Bind the ingress and model deployments with the resources in ``args`` (validated)."""
    from ray import serve

    from serving.deployments.echo import EchoDeployment
    from serving.deployments.image import ImageDeployment
    from serving.deployments.ingress import AtelierIngress
    from serving.deployments.llm import LLMDeployment, TextEmbedDeployment
    from serving.deployments.poster import PosterDeployment
    from serving.deployments.video import VideoDeployment
    from serving.deployments.vision import VisionDeployment

    config = AppArgs.model_validate(args or {})
    echo_deployment: Any = serve.deployment(EchoDeployment, name="echo")
    ingress_deployment: Any = serve.deployment(AtelierIngress, name="ingress")
    echo = echo_deployment.options(**config.echo.ray_options()).bind()
    llm: Any = None
    if config.llm is not None:
        llm_deployment: Any = serve.deployment(LLMDeployment, name="llm")
        llm = llm_deployment.options(**config.llm.ray_options()).bind(
            config.llm.max_batch_size, config.llm.batch_wait_timeout_s
        )
    text_embed: Any = None
    if config.text_embed is not None:
        embed_deployment: Any = serve.deployment(TextEmbedDeployment, name="text_embed")
        text_embed = embed_deployment.options(**config.text_embed.ray_options()).bind()
    vision: Any = None
    if config.vision is not None:
        vision_deployment: Any = serve.deployment(VisionDeployment, name="vision")
        vision = vision_deployment.options(**config.vision.ray_options()).bind(
            config.vision.max_batch_size, config.vision.batch_wait_timeout_s
        )
    image: Any = None
    if config.image is not None:
        image_deployment: Any = serve.deployment(ImageDeployment, name="image")
        image = image_deployment.options(**config.image.ray_options()).bind()
    poster: Any = None
    if config.poster is not None:
        poster_deployment: Any = serve.deployment(PosterDeployment, name="poster")
        poster = poster_deployment.options(**config.poster.ray_options()).bind()
    video: Any = None
    if config.video is not None:
        video_deployment: Any = serve.deployment(VideoDeployment, name="video")
        video = video_deployment.options(**config.video.ray_options()).bind()
    return ingress_deployment.options(**config.ingress.ray_options()).bind(
        echo, llm, text_embed, vision, image, poster, video
    )
