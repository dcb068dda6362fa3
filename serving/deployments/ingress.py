"""The FastAPI ingress as a Ray Serve deployment: the app is built in the replica, after __init__."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from ray import serve

from serving.api import create_app
from serving.gateway.ray_serve import RayServeGateway
from serving.settings import Settings


@serve.ingress()
class AtelierIngress:
    def __init__(
        self,
        echo_handle: Any,
        llm_handle: Any = None,
        text_embed_handle: Any = None,
        vision_handle: Any = None,
        image_handle: Any = None,
        poster_handle: Any = None,
        video_handle: Any = None,
    ) -> None:
        self._settings = Settings()
        self._gateway = RayServeGateway(
            echo_handle,
            llm_handle,
            text_embed_handle,
            vision_handle,
            image_handle,
            poster_handle,
            video_handle,
        )

    def __serve_build_asgi_app__(self) -> FastAPI:
        # Serve's proxy already puts X-Request-ID (the same id, read from the request) on every response.
        return create_app(self._settings, self._gateway, echo_request_id=False)
