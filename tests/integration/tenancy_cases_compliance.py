"""Isolation case for compliance checks: a brand's VI pack and assets are its own."""

from __future__ import annotations

from tests.integration.tenancy_scene import B_SIDE, Control, Scene, case


@case("POST", "/v1/compliance/check")
def _check(sc: Scene) -> Control:
    a, b = sc.ids["brand_a"], sc.ids["brand_b"]
    body = {"text": "新品上市", "brand_id": a}
    sc.denied(B_SIDE, "POST", "/v1/compliance/check", body)
    asset = {"text": None, "brand_id": a, "asset": {"path": "kv/a.png"}}
    sc.denied(B_SIDE, "POST", "/v1/compliance/check", asset)
    # brand A's asset paths mean nothing under brand B
    sc.denied(
        ("creative_b",),
        "POST",
        "/v1/compliance/check",
        {"brand_id": b, "asset": {"path": "kv/a-campaign.png", "ref": "campaign/a"}},
        codes=("ref_not_found",),
    )
    return sc.control(
        "agency_x_creative", "POST", "/v1/compliance/check", body, check=lambda r: r["verdict"] == "pass"
    )
