"""`atelier assets reindex` and `atelier search` in this process (typer's runner), over a data dir the API
seeded: the CLI indexes with the in-process models (fake image encoder, the multilingual text encoder)
and answers zh/en queries as a table or as one JSON object; bad input exits with a message, not a trace."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from typer.testing import CliRunner

from serving.api import create_app
from serving.cli.main import app as cli
from serving.db import transaction, upgrade
from serving.seed import seed_demo
from serving.settings import Settings
from tests.fakes.gateway import FakeGateway


def _png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the demo brand with a Chinese copy asset and an image on ``main``."""
    folder = tmp_path_factory.mktemp("search-cli")
    settings = Settings.model_validate(
        {
            "env": "test",
            "data_dir": folder,
            "database": {"url": f"sqlite:///{folder / 'atelier.db'}"},
            "reviews": {"gate_main": False},
            "search": {"auto_index": False},
            "vision": {"backend": "fake", "ocr": False},
        }
    )
    assert settings.database.url is not None
    upgrade(settings.database.url)
    app = create_app(settings, FakeGateway())
    with TestClient(app) as client:
        with transaction(app.state.session_factory) as session:
            seed = seed_demo(session, settings)
            brand, headers = seed.brand.id, {"Authorization": f"Bearer {seed.token}"}
        changes = []
        for path, data, kind in (
            ("copy/latte.txt", "秋季限定拿铁，醇香咖啡上新".encode(), "text/plain; charset=utf-8"),
            ("kv/red.png", _png((210, 30, 35)), "image/png"),
        ):
            response = client.post(
                f"/v1/brands/{brand}/blobs", content=data, headers={**headers, "Content-Type": kind}
            )
            assert response.status_code < 300, response.text
            changes.append({"op": "put", "path": path, "blob": response.json()["sha256"]})
        body = {"branch": "main", "message": "seed", "changes": changes}
        assert client.post(f"/v1/brands/{brand}/commits", json=body, headers=headers).status_code < 300
    return folder


@pytest.fixture
def runner(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("ATELIER_DATABASE__URL", "ATELIER_VECTOR__URL", "RAY_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ATELIER_ENV", "test")
    monkeypatch.setenv("ATELIER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("ATELIER_VISION__BACKEND", "fake")
    monkeypatch.setenv("ATELIER_VISION__OCR", "false")
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def test_reindex_then_search_in_chinese_and_english(runner: CliRunner) -> None:
    indexed = runner.invoke(cli, ["assets", "reindex", "--brand", "demo"])
    assert indexed.exit_code == 0, indexed.output
    assert '"indexed": 2' in indexed.output
    for query in ("咖啡", "coffee latte"):
        found = runner.invoke(cli, ["search", query, "--brand", "demo", "--json"])
        assert found.exit_code == 0, found.output
        result = json.loads(found.output.strip().splitlines()[-1])
        assert result["hits"][0]["path"] == "copy/latte.txt", result
    only_images = runner.invoke(cli, ["search", "红色", "--brand", "demo", "--kind", "image", "--json"])
    paths = [hit["path"] for hit in json.loads(only_images.output.strip().splitlines()[-1])["hits"]]
    assert paths == ["kv/red.png"]
    table = runner.invoke(cli, ["search", "拿铁", "--brand", "demo", "--limit", "1"])
    assert table.exit_code == 0 and "copy/latte.txt" in table.output and "1 hit(s)" in table.output


def test_bad_input_exits_with_a_message(runner: CliRunner) -> None:
    empty = runner.invoke(cli, ["search", "   ", "--brand", "demo"])
    assert empty.exit_code == 2 and "empty_query" in empty.output
    unknown = runner.invoke(cli, ["search", "coffee", "--brand", "no-such-brand"])
    assert unknown.exit_code != 0 and "no brand" in unknown.output
    assert runner.invoke(cli, ["search", "coffee", "--brand", "demo", "--limit", "0"]).exit_code == 2
