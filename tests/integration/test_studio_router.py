"""The studio helper routes: editing a generated poster through its layered spec (re-rendered, re-checked,
committed over the rendition with a lineage link) and the brand's recent generation jobs, newest first."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from serving.api import create_app
from serving.db import upgrade
from tests.conftest import make_settings
from tests.fakes.gateway import FakeGateway
from tests.integration.test_poster_generation import COPY, VI, Api, _png, logo
from tests.world import build_world


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    folder = tmp_path_factory.mktemp("studio-routes")
    url = f"sqlite:///{folder / 'atelier.db'}"
    upgrade(url)
    gateway = FakeGateway()
    app = create_app(make_settings(url, folder / "var"), gateway)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, build_world(app.state.session_factory, app.state.settings), gateway)
        api.put("brand/vi.yaml", VI.encode(), "brand_kit", "application/yaml")
        api.put("brand/logo.png", _png(logo()), "image", "image/png")
        yield api


@pytest.fixture(scope="module")
def poster(api: Api) -> dict[str, Any]:
    """One poster job's first rendition: its paths, branch and job id."""
    job = api.run("poster", {"copies": [COPY], "sizes": ["xiaohongshu"], "templates": ["centred_hero"]})
    assert job["status"] == "succeeded", job
    first = job["result"]["posters"][0]
    branch = job["result"]["assets"]["branch"]
    return {"job": job["id"], "branch": branch, "status": first["status"], **first["renditions"][0]}


def _edit(api: Api, poster: dict[str, Any], layers: list[dict[str, Any]], actor: str = "creative_a") -> Any:
    body = {
        "spec_path": poster["spec_path"],
        "ref": poster["branch"],
        "layers": layers,
        "platform": "xiaohongshu",
    }
    return api.call("POST", f"/v1/brands/{api.brand}/poster-edits", actor, json=body)


def test_edit_re_renders_checks_and_commits_over_the_rendition(api: Api, poster: dict[str, Any]) -> None:
    before = api.raw(poster["path"], poster["branch"])
    edited = _edit(api, poster, [{"name": "headline", "text": "清爽一夏 水润登场", "align": "left"}])
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["branch"] == poster["branch"] and body["path"] == poster["path"]
    assert body["verdict"] in ("pass", "warn") and body["status"] == poster["status"], body["findings"]
    after = api.raw(poster["path"], poster["branch"])
    assert after != before and Image.open(io.BytesIO(after)).size == (1080, 1440)
    document = json.loads(api.raw(poster["spec_path"], poster["branch"]))
    headline = next(layer for layer in document["spec"]["layers"] if layer["name"] == "headline")
    assert headline["text"] == "清爽一夏 水润登场" and headline["align"] == "left"
    asset = api.asset(poster["path"], poster["branch"])
    assert asset["commit_id"] == body["commit_id"]
    links = asset["metadata"]["lineage"]["derived_from"]
    assert links[-1]["relation"] == "edit" and links[-1]["path"] == poster["path"]
    assert asset["metadata"]["lineage"]["generation"]["params"]["edited_layers"] == ["headline"]
    events = api.call("GET", "/v1/events", "admin_a", params={"type_prefix": "asset.updated"}).json()["items"]
    assert {poster["path"], poster["spec_path"]} <= {e["data"].get("path") for e in events}


def test_edit_with_a_forbidden_word_is_flagged(api: Api, poster: dict[str, Any]) -> None:
    edited = _edit(api, poster, [{"name": "headline", "text": "限量秒杀 水润登场"}])
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["status"] == "flagged" and body["verdict"] == "block"
    assert any(f["category"] == "BRAND_FORBIDDEN_WORD" for f in body["findings"])


def test_hidden_layer_is_left_out(api: Api, poster: dict[str, Any]) -> None:
    edited = _edit(api, poster, [{"name": "subhead", "hidden": True}])
    assert edited.status_code == 200, edited.text
    names = [layer["name"] for layer in edited.json()["spec"]["layers"]]
    assert "subhead" not in names and "subhead" in edited.json()["spec"]["omitted"]


@pytest.mark.parametrize(
    ("layers", "code"),
    [
        ([{"name": "headline", "text": "很长的标题" * 40, "size": 200}], "text_does_not_fit"),
        ([{"name": "logo", "text": "x"}], "unknown_layer"),
    ],
)
def test_bad_edits_are_refused_with_a_code(
    api: Api, poster: dict[str, Any], layers: list[dict[str, Any]], code: str
) -> None:
    edited = _edit(api, poster, layers)
    assert edited.status_code == 422 and edited.json()["code"] == code, edited.text


def test_only_poster_specs_can_be_edited(api: Api, poster: dict[str, Any]) -> None:
    edited = _edit(api, {**poster, "spec_path": poster["path"]}, [{"name": "headline", "text": "新标题"}])
    assert edited.status_code == 422 and edited.json()["code"] == "not_a_poster_spec", edited.text


def test_other_brands_cannot_edit(api: Api, poster: dict[str, Any]) -> None:
    edited = _edit(api, poster, [{"name": "headline", "text": "新标题"}], actor="creative_b")
    assert edited.status_code in (403, 404), edited.text


def test_recent_jobs_are_newest_first_and_summarised(api: Api, poster: dict[str, Any]) -> None:
    second = api.run("poster", {"copies": [COPY], "sizes": ["taobao"], "templates": ["centred_hero"]})
    url = f"/v1/brands/{api.brand}/recent-jobs"
    listed = api.call("GET", url, params={"limit": 5})
    assert listed.status_code == 200, listed.text
    ids = [job["id"] for job in listed.json()]
    assert ids[:2] == [second["id"], poster["job"]]
    first = listed.json()[0]
    assert first["kind"] == "poster" and first["status"] == "succeeded" and "result" not in first
    assert first["branch"] == second["result"]["assets"]["branch"]
    only_copy = api.call("GET", url, params={"kind": "copy"})
    assert only_copy.status_code == 200 and only_copy.json() == []
    hidden = api.call("GET", url, "creative_b")
    assert hidden.status_code in (403, 404), hidden.text
