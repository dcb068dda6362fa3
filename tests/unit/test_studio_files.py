"""The studio's static files: SPA fallback for client routes, precompressed assets, cache headers."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving.studio import StudioFiles


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><div id=root></div>", encoding="utf-8")
    script = tmp_path / "assets" / "index-abc123.js"
    script.write_text("console.log('studio');" * 50, encoding="utf-8")
    gz = script.with_name(script.name + ".gz")
    gz.write_bytes(gzip.compress(script.read_bytes()))
    stamp = script.stat().st_mtime
    os.utime(gz, (stamp + 1, stamp + 1))
    (tmp_path / "logo.svg").write_text("<svg/>", encoding="utf-8")
    return tmp_path


@pytest.fixture
def client(dist: Path) -> TestClient:
    app = FastAPI()

    @app.get("/v1/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    app.mount("/", StudioFiles(dist), name="studio")
    return TestClient(app)


def test_client_routes_get_the_app_shell_and_api_routes_still_win(client: TestClient) -> None:
    for path in ("/", "/library", "/reviews/rev_123", "/branches/compare"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "id=root" in response.text
        assert response.headers["cache-control"] == "no-cache"
    assert client.get("/v1/ping").json() == {"pong": "yes"}


def test_other_methods_are_405(client: TestClient) -> None:
    for path in ("/library", "/assets/index-abc123.js", "/healthz"):
        response = client.delete(path)
        assert response.status_code == 405, path


def test_missing_files_and_unknown_api_paths_are_404_not_the_shell(client: TestClient) -> None:
    assert client.get("/assets/missing-123.js").status_code == 404
    assert client.get("/v1/nope").status_code == 404
    assert (
        client.get("/v1/api-keys/..%2F..%2Fetc").status_code == 404
    )  # normalises to "etc": still not the shell
    assert client.get("/favicon.ico").status_code == 404


def test_hashed_assets_are_sent_gzipped_when_accepted_and_cached_for_a_year(
    client: TestClient, dist: Path
) -> None:
    raw = (dist / "assets" / "index-abc123.js").read_bytes()
    zipped = client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"})
    assert zipped.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["content-type"].startswith("text/javascript")
    assert "immutable" in zipped.headers["cache-control"]
    assert zipped.content == raw  # the client decoded it
    assert int(zipped.headers["content-length"]) < len(raw)
    plain = client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == raw


def test_a_stale_gzip_sibling_is_not_served(client: TestClient, dist: Path) -> None:
    script = dist / "assets" / "index-abc123.js"
    gz = script.with_name(script.name + ".gz")
    stamp = gz.stat().st_mtime
    os.utime(script, (stamp + 5, stamp + 5))
    response = client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in response.headers


def test_paths_cannot_escape_the_build_folder(client: TestClient) -> None:
    for path in (
        "/assets/..%2F..%2Fetc%2Fpasswd",
        "/..%2F..%2Fetc%2Fhostname",
        "/assets/..%2F..%2Fetc%2Fhost.conf",
    ):
        response = client.get(path)
        assert "root:" not in response.text
        assert response.status_code == 404, path
