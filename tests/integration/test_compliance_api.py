"""POST /v1/compliance/check end to end: built-in packs, the brand's VI pack from its repository, assets."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from compliance_rules.checker import Checker
from compliance_rules.engine import Engine
from compliance_rules.semantic import SemanticOpinion, train
from pipelines.embeddings.text import HashingEncoder
from serving.settings import Settings
from tests.world import World, build_world

VI = """\
brand: acme
version: "7"
forbidden_words:
  - {term: 便宜, suggestion: 实惠}
required_disclaimers: [图片仅供参考]
palette:
  - {name: 中国红, hex: "#E60012"}
"""


@pytest.fixture
def world(app: FastAPI, client: TestClient, settings: Settings) -> World:
    return build_world(app.state.session_factory, settings)


def check(client: TestClient, world: World, body: dict[str, Any], actor: str = "creative_a") -> Any:
    return client.post("/v1/compliance/check", json=body, headers=world.auth(actor))


def put_asset(client: TestClient, world: World, path: str, data: bytes, kind: str, content_type: str) -> str:
    a = world.ids["brand_a"]
    headers = {**world.auth("admin_a"), "Content-Type": content_type}
    upload = client.post(f"/v1/brands/{a}/blobs", params={"kind": kind}, content=data, headers=headers)
    assert upload.status_code in (200, 201), upload.text
    body = {
        "branch": "main",
        "message": f"add {path}",
        "changes": [{"op": "put", "path": path, "blob": upload.json()["sha256"]}],
    }
    commit = client.post(f"/v1/brands/{a}/commits", json=body, headers=world.auth("admin_a"))
    assert commit.status_code == 201, commit.text
    return str(commit.json()["id"])


def test_text_check_explains_findings_and_rewrites(client: TestClient, world: World) -> None:
    text = "本店最佳口红，只要99元"
    response = check(client, world, {"text": text, "industry": "cosmetics", "platform": "douyin"})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["verdict"] == "block"
    finding = next(f for f in result["findings"] if f["category"] == "ABSOLUTE_TERMS")
    start, end = finding["span"]
    assert text[start:end] == finding["matched"] and "最佳" in finding["matched"]
    assert finding["law_ref"] and "第九条" in finding["law_ref"]
    assert finding["rule_id"].startswith("ad_law_cn/")
    assert result["rewrite"] and "最佳" not in result["rewrite"]
    assert any(p.startswith("ad_law_cn@") for p in result["packs"])
    clean = check(client, world, {"text": "新品口红上市，色号丰富", "industry": "cosmetics"}).json()
    assert clean["verdict"] == "pass" and clean["findings"] == []


def test_brand_vi_pack_comes_from_the_brand_repository(client: TestClient, world: World) -> None:
    a = world.ids["brand_a"]
    before = check(client, world, {"text": "便宜好用", "brand_id": a}).json()
    assert before["brand_vi"] is None and before["verdict"] == "pass"
    commit = put_asset(client, world, "brand/vi.yaml", VI.encode(), "brand_kit", "application/yaml")
    result = check(client, world, {"text": "便宜好用", "brand_id": a}).json()
    assert result["brand_vi"] == f"brand/vi.yaml@{commit[:12]}"
    assert sorted(f["category"] for f in result["findings"]) == [
        "BRAND_DISCLAIMER_MISSING",
        "BRAND_FORBIDDEN_WORD",
    ]
    assert result["rewrite"] == "实惠好用"
    ok = check(client, world, {"text": "实惠好用。图片仅供参考", "brand_id": a}).json()
    assert ok["verdict"] == "pass"
    # brand B never sees brand A's VI
    b = check(client, world, {"text": "便宜好用", "brand_id": world.ids["brand_b"]}, "creative_b").json()
    assert b["brand_vi"] is None and b["verdict"] == "pass"


def test_a_malformed_brand_vi_pack_is_a_clear_error(client: TestClient, world: World) -> None:
    bad = VI.replace('hex: "#E60012"', 'hex: "red"')
    put_asset(client, world, "brand/vi.yaml", bad.encode(), "brand_kit", "application/yaml")
    response = check(client, world, {"text": "好用", "brand_id": world.ids["brand_a"]})
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "invalid_rule_pack"
    assert problem["details"]["line"] == 7 and problem["details"]["field"] == "palette.0.hex"
    assert problem["details"]["file"].startswith("brand/vi.yaml@")


def test_copy_assets_are_checked_and_other_kinds_say_so(client: TestClient, world: World) -> None:
    a = world.ids["brand_a"]
    put_asset(client, world, "copy/618.txt", "全网最低价，快来抢".encode(), "copy", "text/plain")
    result = check(client, world, {"brand_id": a, "asset": {"path": "copy/618.txt"}}).json()
    assert result["asset"].startswith("copy/618.txt@")
    assert "ABSOLUTE_TERMS" in {f["category"] for f in result["findings"]}
    missing = check(client, world, {"brand_id": a, "asset": {"path": "copy/none.txt"}})
    assert missing.status_code == 404 and missing.json()["code"] == "asset_not_found"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 422, "validation_error"),
        ({"text": "   "}, 422, "empty_text"),
        ({"text": "好", "platform": "myspace"}, 422, "unknown_platform"),
        ({"text": "好", "industry": "spaceships"}, 422, "unknown_industry"),
        ({"text": "好" * 100_001}, 422, "validation_error"),
        ({"asset": {"path": "x.txt"}}, 422, "validation_error"),
        ({"text": "好", "surprise": 1}, 422, "validation_error"),
    ],
)
def test_bad_requests(client: TestClient, world: World, body: dict[str, Any], status: int, code: str) -> None:
    response = check(client, world, body)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code


def test_a_megabyte_of_text_is_refused_by_the_body_limit(client: TestClient, world: World) -> None:
    response = check(client, world, {"text": "好" * 400_000})
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"


def test_depth_fast_is_the_default_and_full_adds_the_semantic_opinion(
    app: FastAPI, client: TestClient, world: World
) -> None:
    # a semantic head over a deterministic encoder, taught that one harmless sentence is an endorsement: what
    # is tested here is which requests ask it (the shipped head is tested in test_compliance_semantic_model)
    encoder = HashingEncoder()
    odd, plain = "蓝色的风车在山坡上慢慢地转", ["新品口红上市", "冬季羽绒服保暖轻盈", "这款电饭煲煮饭香"]
    texts = [odd] * 8 + plain * 4
    head, _ = train(
        encoder.encode(texts), [{"FALSE_ENDORSEMENT"}] * 8 + [set()] * 12, encoder_name="hashing", folds=2
    )
    head.threshold = 0.5
    app.state.checker = Checker(Engine.builtin(), None, SemanticOpinion(head, encoder))
    fast = check(client, world, {"text": odd})
    assert fast.status_code == 200, fast.text
    assert fast.json()["verdict"] == "pass" and fast.json()["findings"] == []
    full = check(client, world, {"text": odd, "depth": "full"})
    assert full.status_code == 200, full.text
    assert full.json()["verdict"] == "warn"
    assert [(f["category"], f["severity"], f["rule_id"], f["span"]) for f in full.json()["findings"]] == [
        ("FALSE_ENDORSEMENT", "warn", "semantic/semantic-v1", None)
    ]
    refused = check(client, world, {"text": odd, "depth": "deep"})
    assert refused.status_code == 422 and refused.json()["code"] == "validation_error"
