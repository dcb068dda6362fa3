"""A scratch asset library for the vision eval, driven through the real REST API in this process.

A temp data dir holds a fresh SQLite database, the local object store and the embedded vector index; the
app (``serving.api.create_app``) runs with the in-process model gateway (the configured image encoder,
EfficientNet-Lite0 by default, RapidOCR and the multilingual text encoder). Images are uploaded as blobs
and committed to ``main`` of the demo brand; the commit queues the ``search_index`` job, which the app's
job runner runs (analyse, OCR where text is likely, embed, index); then searches go to ``POST /v1/search``
and duplicate checks to ``POST /v1/search/duplicates``.
"""

from __future__ import annotations

import base64
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from serving.api import create_app
from serving.db import transaction, upgrade
from serving.gateway.protocol import ModelGateway
from serving.seed import seed_demo
from serving.settings import Settings
from serving.vision.models import SearchDoc, SearchIndexState

BRANCH = "main"
COMMIT_CHUNK = 200


class ApiLibrary:
    """One brand's library behind the API; build it with :func:`open_library`."""

    def __init__(self, client: TestClient, brand_id: str, token: str) -> None:
        self.client = client
        self.brand_id = brand_id
        self.headers = {"Authorization": f"Bearer {token}"}
        self.index_seconds = 0.0

    def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        response = self.client.request(method, url, headers=headers, **kwargs)
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {url}: {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None

    def add(self, items: Sequence[tuple[str, bytes]], content_type: str = "image/jpeg") -> None:
        """Upload and commit ``(path, bytes)`` pairs, then wait until the search index has caught up."""
        base = f"/v1/brands/{self.brand_id}"
        changes = []
        for path, data in items:
            sha = self._call("POST", f"{base}/blobs", content=data, headers={"Content-Type": content_type})
            changes.append({"op": "put", "path": path, "blob": sha["sha256"]})
        started = time.perf_counter()
        for start in range(0, len(changes), COMMIT_CHUNK):
            body = {
                "branch": BRANCH,
                "message": "vision eval",
                "changes": changes[start : start + COMMIT_CHUNK],
            }
            self._call("POST", f"{base}/commits", json=body)
        self._wait_indexed()
        self.index_seconds = time.perf_counter() - started

    def _wait_indexed(self, timeout: float = 1800.0) -> None:
        head = self._call("GET", f"/v1/brands/{self.brand_id}/branches/{BRANCH}")["commit_id"]
        factory = self.client.app.state.session_factory  # type: ignore[attr-defined]
        deadline = time.monotonic() + timeout
        while True:
            with transaction(factory) as session:
                state = session.get(SearchIndexState, (self.brand_id, BRANCH))
                if state is not None and state.commit_id == head:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the search index did not reach {head} in {timeout:.0f} s")
            time.sleep(0.2)

    def search(self, query: str, limit: int = 10) -> tuple[list[str], float]:
        """Paths of the top ``limit`` hits for a text query, and the service's ``took_ms``."""
        body = {"brand_id": self.brand_id, "query": query, "branch": BRANCH, "limit": limit}
        result = self._call("POST", "/v1/search", json=body)
        return [hit["path"] for hit in result["hits"]], float(result["took_ms"])

    def duplicates(self, data: bytes) -> list[dict[str, Any]]:
        """The duplicate matches of uploaded bytes, closest first (path, hamming, cosine, reasons)."""
        body = {"brand_id": self.brand_id, "image": base64.b64encode(data).decode("ascii"), "branch": BRANCH}
        matches: list[dict[str, Any]] = self._call("POST", "/v1/search/duplicates", json=body)["matches"]
        return matches

    def ai_tags(self) -> dict[str, list[str]]:
        """The AI tags the index holds per path (best first, as the tagger ranked them)."""
        factory = self.client.app.state.session_factory  # type: ignore[attr-defined]
        with transaction(factory) as session:
            rows = session.execute(
                select(SearchDoc.path, SearchDoc.ai_tags).where(
                    SearchDoc.brand_id == self.brand_id, SearchDoc.branch == BRANCH
                )
            )
            return {str(path): [str(t) for t in tags or []] for path, tags in rows}


def scratch_settings(folder: Path, **overrides: Any) -> Settings:
    """Settings of a throwaway library under ``folder``: SQLite, local objects, embedded vectors, no gate."""
    url = f"sqlite:///{folder / 'atelier.db'}"
    values: dict[str, Any] = {
        "data_dir": folder,
        "database": {"url": url},
        "object_store": {"backend": "local"},
        "vector": {"url": None},
        "jobs": {"poll_seconds": 0.1, "workers": 1},
        "reviews": {"gate_main": False},
        "search": {"auto_index": True, "ocr_on_index": True},
        **overrides,
    }
    return Settings.model_validate(values)


@contextmanager
def open_library(gateway: ModelGateway | None = None, **overrides: Any) -> Iterator[ApiLibrary]:
    """A fresh library in a temp dir (deleted on exit), with the app running and the demo brand seeded.

    ``gateway`` defaults to the in-process models; ``overrides`` replace settings sections."""
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="atelier-vision-eval-")))
        settings = scratch_settings(folder, **overrides)
        assert settings.database.url is not None
        upgrade(settings.database.url)
        app = create_app(settings, gateway)
        client = stack.enter_context(TestClient(app, raise_server_exceptions=True))
        with transaction(app.state.session_factory) as session:
            seed = seed_demo(session, settings)
            brand_id, token = seed.brand.id, seed.token
        yield ApiLibrary(client, brand_id, token)
