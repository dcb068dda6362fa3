"""Ray Serve deployment of the diagnostic echo model."""

from __future__ import annotations

from typing import Any

from pipelines.diagnostics import EchoModel, EchoRequest


class EchoDeployment:
    """Loads the model once per replica; payloads are plain dicts."""

    def __init__(self) -> None:
        self._model = EchoModel()
        self._model.load()

    def predict(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self._model.predict(EchoRequest.model_validate(payload)).model_dump()

    def ping(self) -> str:
        return "ok" if self._model.loaded else "loading"

    def check_health(self) -> None:
        """Ray Serve health hook: raising marks the replica unhealthy."""
        if not self._model.loaded:
            raise RuntimeError("echo model not loaded")
