"""Ray Serve app builder, selected by a profile: ``import_path: serving.app:build_app``."""

from __future__ import annotations

from typing import Any

from serving.deploy_profile import AppArgs


def build_app(args: dict[str, Any] | None = None) -> Any:
    """Bind the ingress and model deployments with the resources in ``args`` (validated)."""
    from ray import serve

    from serving.deployments.echo import EchoDeployment
    from serving.deployments.ingress import AtelierIngress

    config = AppArgs.model_validate(args or {})
    echo_deployment: Any = serve.deployment(EchoDeployment, name="echo")
    ingress_deployment: Any = serve.deployment(AtelierIngress, name="ingress")
    echo = echo_deployment.options(**config.echo.ray_options()).bind()
    return ingress_deployment.options(**config.ingress.ray_options()).bind(echo)
