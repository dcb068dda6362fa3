"""The studio's governance routes: the brand kit read, validated and saved as a commit; branch heads."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from compliance_rules.brand import BrandVI
from serving.api import create_app
from serving.settings import Settings
from tests.conftest import make_settings
from tests.fakes.gateway import FakeGateway
from tests.world import World, build_world

KIT: dict[str, Any] = {
    "brand": "acme",
    "version": "3",
    "forbidden_words": [{"term": "便宜", "suggestion": "实惠"}, {"term": "竞品X", "severity": "warn"}],
    "required_words": ["Acme"],
    "required_disclaimers": ["图片仅供参考"],
    "palette": [{"name": "中国红", "hex": "#E60012", "tolerance_de": 8}],
    "fonts": ["思源黑体"],
}


@pytest.fixture
def world(app: FastAPI, client: TestClient, settings: Settings) -> World:
    return build_world(app.state.session_factory, settings)


def _kit_url(world: World) -> str:
    return f"/v1/brands/{world.ids['brand_a']}/brand-kit"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 32), (230, 0, 18)).save(out, format="PNG")
    return out.getvalue()


def _upload(client: TestClient, world: World, data: bytes, kind: str, content_type: str) -> str:
    headers = {**world.auth("admin_a"), "Content-Type": content_type}
    url = f"/v1/brands/{world.ids['brand_a']}/blobs"
    response = client.post(url, params={"kind": kind}, content=data, headers=headers)
    assert response.status_code in (200, 201), response.text
    return str(response.json()["sha256"])


def test_a_brand_without_a_kit_reads_as_absent(client: TestClient, world: World) -> None:
    response = client.get(_kit_url(world), headers=world.auth("creative_a"))
    assert response.status_code == 200, response.text
    kit = response.json()
    assert kit["exists"] is False and kit["vi"] is None and kit["path"] == "brand/vi.yaml"
    assert kit["head"] and kit["ref"] == "main"
    assert client.get(_kit_url(world), headers=world.auth("creative_b")).status_code == 404


def test_validate_reports_problems_by_field_and_previews_yaml(client: TestClient, world: World) -> None:
    bad = {**KIT, "palette": [{"name": "红", "hex": "red"}], "required_words": [" "], "colour": "x"}
    response = client.post(f"{_kit_url(world)}/validate", json={"vi": bad}, headers=world.auth("creative_a"))
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["valid"] is False and result["yaml"] is None
    fields = {p["field"]: p for p in result["problems"]}
    assert fields["palette.0.hex"]["type"] == "string_pattern_mismatch"
    assert fields["required_words"]["error"] == "empty word"
    assert fields["colour"]["type"] == "extra_forbidden"
    good = client.post(
        f"{_kit_url(world)}/validate", json={"vi": KIT}, headers=world.auth("creative_a")
    ).json()
    assert good["valid"] is True and good["problems"] == []
    assert "中国红" in good["yaml"] and "severity: block" not in good["yaml"]
    assert BrandVI.model_validate(yaml.safe_load(good["yaml"])) == BrandVI.model_validate(KIT)


def test_admin_saves_the_kit_to_main_and_checks_use_it(client: TestClient, world: World) -> None:
    head = client.get(_kit_url(world), headers=world.auth("admin_a")).json()["head"]
    body = {"vi": KIT, "message": "VI v3", "expected_head": head}
    response = client.put(_kit_url(world), json=body, headers=world.auth("admin_a"))
    assert response.status_code == 200, response.text
    saved = response.json()
    assert saved["branch"] == "main" and saved["created_branch"] is False
    assert saved["commit"]["message"] == "VI v3" and saved["commit"]["meta"] == {"brand_kit": True}
    kit = client.get(_kit_url(world), headers=world.auth("creative_a")).json()
    assert kit["exists"] is True and kit["blob"] == saved["blob"]
    assert BrandVI.model_validate(kit["vi"]) == BrandVI.model_validate(KIT)
    check = client.post(
        "/v1/compliance/check",
        json={"text": "便宜好用", "brand_id": world.ids["brand_a"]},
        headers=world.auth("creative_a"),
    ).json()
    assert check["brand_vi"] == f"brand/vi.yaml@{saved['commit']['id'][:12]}"
    assert check["rewrite"] == "实惠好用"
    events = client.get(
        "/v1/events", params={"type_prefix": "asset."}, headers=world.auth("admin_a")
    ).json()["items"]
    assert any(e["data"].get("path") == "brand/vi.yaml" for e in events), events  # webhooks / CDP hear it
    stale = client.put(
        _kit_url(world), json={**body, "vi": {**KIT, "version": "4"}}, headers=world.auth("admin_a")
    )
    assert stale.status_code == 409, stale.text
    same = client.put(_kit_url(world), json={"vi": KIT}, headers=world.auth("admin_a"))
    assert same.status_code == 422 and same.json()["code"] == "nothing_to_commit"


def test_an_invalid_kit_is_refused_with_its_problems(client: TestClient, world: World) -> None:
    bad = {**KIT, "palette": [{"name": "红", "hex": "#E6001", "tolerance_de": 0}]}
    response = client.put(_kit_url(world), json={"vi": bad}, headers=world.auth("admin_a"))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "invalid_brand_kit"
    assert {p["field"] for p in problem["problems"]} == {"palette.0.hex", "palette.0.tolerance_de"}


def test_a_creative_saves_to_a_branch_for_review(client: TestClient, world: World) -> None:
    refused = client.put(_kit_url(world), json={"vi": KIT}, headers=world.auth("creative_a"))
    assert refused.status_code == 403, refused.text
    body = {"vi": KIT, "branch": "brand-kit/v3"}
    response = client.put(_kit_url(world), json=body, headers=world.auth("creative_a"))
    assert response.status_code == 200, response.text
    assert response.json()["created_branch"] is True
    assert client.get(_kit_url(world), headers=world.auth("creative_a")).json()["exists"] is False
    on_branch = client.get(_kit_url(world), params={"ref": "brand-kit/v3"}, headers=world.auth("creative_a"))
    assert on_branch.json()["vi"]["version"] == "3"
    again = client.put(
        _kit_url(world), json={**body, "vi": {**KIT, "version": "3.1"}}, headers=world.auth("creative_a")
    )
    assert again.status_code == 200 and again.json()["created_branch"] is False
    reviewer = client.put(
        _kit_url(world), json={"vi": KIT, "branch": "rev/x"}, headers=world.auth("agency_x_reviewer")
    )
    assert reviewer.status_code == 403


def test_logos_are_committed_with_the_kit_under_brand(client: TestClient, world: World) -> None:
    logo = _upload(client, world, _png(), "image", "image/png")
    vi = {
        **KIT,
        "logos": [{"path": "brand/logos/main.png", "min_width_px": 40}, {"path": "brand/logos/alt.png"}],
    }
    outside = {"vi": vi, "logos": [{"path": "kv/main.png", "blob": logo}]}
    refused = client.put(_kit_url(world), json=outside, headers=world.auth("admin_a"))
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_kit_file"
    text = _upload(client, world, "纯文本".encode(), "copy", "text/plain")
    not_image = {"vi": vi, "logos": [{"path": "brand/logos/main.png", "blob": text}]}
    refused = client.put(_kit_url(world), json=not_image, headers=world.auth("admin_a"))
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_kit_file"
    body = {"vi": vi, "logos": [{"path": "brand/logos/main.png", "blob": logo}]}
    response = client.put(_kit_url(world), json=body, headers=world.auth("admin_a"))
    assert response.status_code == 200, response.text
    kit = client.get(_kit_url(world), headers=world.auth("admin_a")).json()
    assert kit["missing_logos"] == ["brand/logos/alt.png"]
    asset = client.get(
        f"/v1/brands/{world.ids['brand_a']}/tree/brand/logos/main.png", headers=world.auth("admin_a")
    )
    assert asset.status_code == 200 and asset.json()["kind"] == "image"


def test_a_broken_stored_kit_reads_with_its_problems(client: TestClient, world: World) -> None:
    a = world.ids["brand_a"]
    sha = _upload(
        client,
        world,
        b"brand: acme\nversion: '1'\npalette:\n  - {name: r, hex: nope}\n",
        "brand_kit",
        "application/yaml",
    )
    body = {
        "branch": "main",
        "message": "bad kit",
        "changes": [{"op": "put", "path": "brand/vi.yaml", "blob": sha}],
    }
    assert client.post(f"/v1/brands/{a}/commits", json=body, headers=world.auth("admin_a")).status_code == 201
    kit = client.get(_kit_url(world), headers=world.auth("admin_a")).json()
    assert kit["exists"] is True and kit["vi"] is None and "hex: nope" in kit["text"]
    assert [(p["field"], p["type"], p["line"]) for p in kit["problems"]] == [
        ("palette.0.hex", "string_pattern_mismatch", 4)
    ]
    assert kit["draft"] == {"brand": "acme", "version": "1", "palette": [{"name": "r", "hex": "nope"}]}
    text = _upload(client, world, "品牌: [未闭合".encode(), "copy", "text/plain")
    body = {**body, "changes": [{"op": "put", "path": "brand/vi.yaml", "blob": text}]}
    assert client.post(f"/v1/brands/{a}/commits", json=body, headers=world.auth("admin_a")).status_code == 201
    kit = client.get(_kit_url(world), headers=world.auth("admin_a")).json()
    assert kit["draft"] is None and [p["type"] for p in kit["problems"]] == ["invalid_yaml"]


def test_branch_heads_list_main_first_with_head_commits(client: TestClient, world: World) -> None:
    a = world.ids["brand_a"]
    client.put(
        _kit_url(world),
        json={"vi": KIT, "branch": "campaign/618", "message": "kit for 618"},
        headers=world.auth("admin_a"),
    )
    response = client.get(f"/v1/brands/{a}/branch-heads", headers=world.auth("creative_a"))
    assert response.status_code == 200, response.text
    heads = response.json()
    assert [h["ref"]["name"] for h in heads] == ["main", "campaign/618"]
    assert (
        heads[1]["head"]["message"] == "kit for 618"
        and heads[1]["head"]["id"] == heads[1]["ref"]["commit_id"]
    )
    assert world.ids["user_admin_a"] in str(heads[1]["head"]["author_id"])
    assert client.get(f"/v1/brands/{a}/branch-heads", headers=world.auth("creative_b")).status_code == 404


def test_the_merge_gate_lets_the_kit_branch_through(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url, tmp_path / "gated", reviews={"gate_main": True})
    app = create_app(settings, FakeGateway())
    with TestClient(app, raise_server_exceptions=False) as client:
        world = build_world(app.state.session_factory, settings)
        a = world.ids["brand_a"]
        logo = _upload(client, world, _png(), "image", "image/png")
        body = {
            "vi": KIT,
            "branch": "brand-kit/next",
            "logos": [{"path": "brand/logos/main.png", "blob": logo}],
        }
        assert client.put(_kit_url(world), json=body, headers=world.auth("creative_a")).status_code == 200
        merged = client.post(
            f"/v1/brands/{a}/merges",
            json={"source": "brand-kit/next", "target": "main"},
            headers=world.auth("admin_a"),
        )
        assert merged.status_code == 200, merged.text
        assert client.get(_kit_url(world), headers=world.auth("admin_a")).json()["vi"]["version"] == "3"
