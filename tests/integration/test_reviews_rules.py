"""Rules of the road of the review queue: forbidden shortcuts, overrides, conflicts, resubmission, false
alarms, SLAs and assignment, scorecards and bad input; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from serving.auth.roles import Role
from serving.db import transaction
from serving.reviews.models import ReviewDecision
from serving.settings import Settings
from serving.tenancy.models import Agency, AgencyAssignment
from tests.fakes.gateway import FakeGateway
from tests.integration.reviewhelpers import Desk, desk, review_settings
from tests.world import _user

CLEAN = "春季新品上市，轻薄透气，多色可选。"
BLOCKED = "全网最好的面霜，三天祛斑，永不复发。"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return review_settings(db_url, tmp_path / "var")


@pytest.fixture
def d(settings: Settings) -> Iterator[Desk]:
    app = create_app_for(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield desk(app, client, settings)


def create_app_for(settings: Settings) -> FastAPI:
    from serving.api import create_app

    return create_app(settings, FakeGateway())


def agency_item(d: Desk, path: str, text: str = CLEAN, branch: str = "campaign/x") -> dict[str, Any]:
    """Agency X's copy at ``path`` submitted and AI-checked."""
    branches = {b["name"] for b in d.ok("agency_x_creative", "GET", f"/v1/brands/{d.brand}/branches")}
    if branch not in branches:
        d.branch("agency_x_creative", branch)
    d.put_copy("agency_x_creative", branch, path, text)
    (item,) = d.submit("agency_x_creative", branch, [path], region_id=d.world.ids["a_north"])
    return d.checked("agency_x_creative", item["id"])


def in_house_item(d: Desk, actor: str, path: str, text: str = CLEAN) -> dict[str, Any]:
    branches = {b["name"] for b in d.ok(actor, "GET", f"/v1/brands/{d.brand}/branches")}
    if "campaign/in-house" not in branches:
        d.branch(actor, "campaign/in-house")
    d.put_copy(actor, "campaign/in-house", path, text)
    (item,) = d.submit(actor, "campaign/in-house", [path])
    return d.checked(actor, item["id"])


def add_agency_z(d: Desk, settings: Settings) -> None:
    """A second agency at brand A (everywhere), with a creative and a reviewer."""
    factory = d.app.state.session_factory
    with transaction(factory) as s:
        z = Agency(slug="agency-z", name="Agency Z, Shanghai")
        s.add(z)
        s.flush()
        s.add(AgencyAssignment(agency_id=z.id, brand_id=d.brand, region_id=None))
        s.flush()
        pepper = settings.auth.key_pepper.get_secret_value()
        _user(s, pepper, d.world, "agency_z_creative", z.id, [(d.brand, Role.CREATIVE, None)])
        _user(s, pepper, d.world, "agency_z_reviewer", z.id, [(d.brand, Role.AGENCY_REVIEWER, None)])
        d.world.ids["agency_z"] = z.id


def test_nobody_approves_their_own_submission(d: Desk) -> None:
    # a brand admin may publish and review, but not their own work
    item = in_house_item(d, "admin_a", "copy/admin.txt")
    assert item["pending_level"] == "brand" and item["assignee_id"] == d.world.ids["user_reviewer_a"]
    d.refused(
        "admin_a",
        "POST",
        f"/v1/reviews/{item['id']}/decisions",
        403,
        "self_review",
        json={"action": "approve"},
    )
    d.refused("admin_a", "POST", f"/v1/reviews/{item['id']}/claim", 403, "self_review", json={})
    # keys are not reviewers, even the brand's system key
    d.refused(
        "system_a",
        "POST",
        f"/v1/reviews/{item['id']}/decisions",
        403,
        "reviewer_required",
        json={"action": "approve"},
    )
    # creatives have no review role at all
    d.refused(
        "creative_a",
        "POST",
        f"/v1/reviews/{item['id']}/decisions",
        403,
        "wrong_review_level",
        json={"action": "approve"},
    )
    assert d.item("admin_a", item["id"])["state"] == "ai_checked"
    assert d.decide("reviewer_a", item["id"], "approve")["state"] == "brand_approved"


def test_agencies_see_and_review_only_their_own_work(d: Desk, settings: Settings) -> None:
    add_agency_z(d, settings)
    x_item = agency_item(d, "copy/x.txt")
    d.branch("agency_z_creative", "campaign/z")
    d.put_copy("agency_z_creative", "campaign/z", "copy/z.txt", CLEAN)
    (z_item,) = d.submit("agency_z_creative", "campaign/z", ["copy/z.txt"])
    z_item = d.checked("agency_z_creative", z_item["id"])
    assert z_item["assignee_id"] == d.world.ids["user_agency_z_reviewer"]

    def queue(actor: str) -> set[str]:
        page = d.ok(actor, "GET", "/v1/reviews", params={"brand_id": d.brand})
        return {i["id"] for i in page["items"]}

    assert queue("agency_x_reviewer") == {x_item["id"]}
    assert queue("agency_z_reviewer") == {z_item["id"]}
    assert queue("reviewer_a") == {x_item["id"], z_item["id"]}
    for actor, other in (
        ("agency_x_reviewer", z_item),
        ("agency_z_reviewer", x_item),
        ("agency_z_creative", x_item),
    ):
        d.refused(actor, "GET", f"/v1/reviews/{other['id']}", 404, "not_found")
        d.refused(
            actor,
            "POST",
            f"/v1/reviews/{other['id']}/decisions",
            404,
            "not_found",
            json={"action": "approve"},
        )
        d.refused(actor, "GET", f"/v1/reviews/{other['id']}/history", 404, "not_found")
        d.refused(actor, "POST", f"/v1/reviews/{other['id']}/comments", 404, "not_found", json={"body": "hi"})
    events = d.events("agency_x_reviewer", brand_id=d.brand, type_prefix="review.")
    assert events and {e["subject_id"] for e in events} == {x_item["id"]}
    others = d.events("agency_x_reviewer", brand_id=d.brand)  # the check of its item, its jobs
    assert {e["data"].get("review_item_id") for e in others if e["type"] == "asset.checked"} == {x_item["id"]}
    # brand B's people do not see brand A's queue at all
    assert d.ok("admin_b", "GET", "/v1/reviews")["items"] == []
    d.refused("admin_b", "GET", f"/v1/reviews/{x_item['id']}", 404, "not_found")
    assert d.item("agency_x_reviewer", x_item["id"])["state"] == "ai_checked"


def test_a_blocking_finding_needs_a_brand_override_with_a_reason(d: Desk) -> None:
    item = agency_item(d, "copy/cream.txt", BLOCKED)
    assert item["ai_verdict"] == "block" and item["open_blocking"] >= 1
    categories = {f["category"] for f in item["ai_findings"]}
    assert {"ABSOLUTE_TERMS", "MEDICAL_CLAIMS"} <= categories
    assert all("index" in f and f["span"] for f in item["ai_findings"] if f["category"] == "ABSOLUTE_TERMS")
    url = f"/v1/reviews/{item['id']}/decisions"
    d.refused(
        "agency_x_reviewer",
        "POST",
        url,
        422,
        "override_not_allowed",
        json={"action": "approve", "override": {"reason": "we checked it ourselves"}},
    )
    d.decide("agency_x_reviewer", item["id"], "approve")
    body = d.refused("reviewer_a", "POST", url, 409, "override_required", json={"action": "approve"})
    assert body["open_blocking"] == item["open_blocking"]
    d.refused(
        "reviewer_a",
        "POST",
        url,
        422,
        "validation_error",
        json={"action": "approve", "override": {"reason": "ok"}},
    )
    approved = d.decide(
        "reviewer_a", item["id"], "approve", override={"reason": "legal signed off, ref LGL-2291"}
    )
    assert (
        approved["state"] == "brand_approved"
        and approved["override_reason"] == "legal signed off, ref LGL-2291"
    )
    last = d.history("reviewer_a", item["id"])[-1]
    assert last["data"] == {"override": True} and last["reason"] == "legal signed off, ref LGL-2291"


def race(
    d: Desk,
    barrier: threading.Barrier,
    results: dict[str, httpx.Response],
    item: dict[str, Any],
    actor: str,
    action: str,
) -> None:
    """Decide ``item`` as ``actor`` at the same moment as the other party at the barrier."""
    body: dict[str, Any] = {"action": action, "expected_revision": item["revision"]}
    if action != "approve":
        body["reason"] = "the hook is weak"
    barrier.wait()
    results[actor] = d.call(actor, "POST", f"/v1/reviews/{item['id']}/decisions", json=body)


def test_two_reviewers_deciding_at_once_one_wins_the_other_gets_a_conflict(
    d: Desk, settings: Settings
) -> None:
    with transaction(d.app.state.session_factory) as s:
        _user(
            s,
            settings.auth.key_pepper.get_secret_value(),
            d.world,
            "reviewer_a2",
            None,
            [(d.brand, Role.BRAND_REVIEWER, None)],
        )
    for round_ in range(3):
        item = in_house_item(d, "creative_a", f"copy/race-{round_}.txt", f"{CLEAN}第{round_}款")
        barrier = threading.Barrier(2)
        results: dict[str, httpx.Response] = {}

        threads = [
            threading.Thread(target=race, args=(d, barrier, results, item, "reviewer_a", "approve")),
            threading.Thread(target=race, args=(d, barrier, results, item, "reviewer_a2", "request_changes")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(r.status_code for r in results.values())
        assert codes == [200, 409], {a: r.text for a, r in results.items()}
        loser = next(r for r in results.values() if r.status_code == 409)
        assert loser.json()["code"] in ("stale_revision", "review_conflict", "invalid_transition")
        winner = next(r.json() for r in results.values() if r.status_code == 200)
        assert d.item("reviewer_a", item["id"])["state"] == winner["state"]
        with transaction(d.app.state.session_factory) as s:
            decided = s.scalar(
                select(func.count())
                .select_from(ReviewDecision)
                .where(ReviewDecision.item_id == item["id"], ReviewDecision.level == "brand")
            )
        assert decided == 1


def test_resubmission_keeps_the_thread_and_refuses_the_same_version(d: Desk) -> None:
    item = agency_item(d, "copy/hook.txt")
    comment = d.ok(
        "agency_x_reviewer",
        "POST",
        f"/v1/reviews/{item['id']}/comments",
        201,
        json={"body": "开头太弱", "anchor": {"span": [0, 4]}},
    )
    assert comment["anchor"] == {"span": [0, 4]}
    d.refused(
        "agency_x_reviewer",
        "POST",
        f"/v1/reviews/{item['id']}/comments",
        422,
        "finding_not_found",
        json={"body": "x", "anchor": {"finding_index": 5}},
    )
    d.refused(
        "agency_x_reviewer",
        "POST",
        f"/v1/reviews/{item['id']}/decisions",
        422,
        "validation_error",
        json={"action": "request_changes"},
    )  # a reason is required
    changed = d.decide("agency_x_reviewer", item["id"], "request_changes", reason="make the hook stronger")
    assert changed["state"] == "changes_requested"
    d.refused(
        "agency_x_creative", "POST", f"/v1/reviews/{item['id']}/resubmit", 409, "unchanged_version", json={}
    )
    d.put_copy("agency_x_creative", "campaign/x", "copy/hook.txt", "春季新品上市！轻到像没穿，多色可选。")
    d.refused(
        "agency_x_reviewer", "POST", f"/v1/reviews/{item['id']}/resubmit", 403, "not_submitter", json={}
    )
    new = d.ok("agency_x_creative", "POST", f"/v1/reviews/{item['id']}/resubmit", 201, json={})
    assert (
        new["thread_id"] == item["thread_id"] and new["version_no"] == 2 and new["previous_id"] == item["id"]
    )
    assert d.item("agency_x_creative", item["id"])["superseded_by"] == new["id"]
    d.refused(
        "agency_x_creative", "POST", f"/v1/reviews/{item['id']}/resubmit", 409, "already_resubmitted", json={}
    )
    new = d.checked("agency_x_creative", new["id"])
    comments = d.ok("agency_x_creative", "GET", f"/v1/reviews/{new['id']}/comments")
    assert [c["body"] for c in comments] == ["开头太弱"]
    actions = [(s["item_id"] == new["id"], s["action"]) for s in d.history("agency_x_creative", new["id"])]
    assert actions == [
        (False, "submit"),
        (False, "ai_check"),
        (False, "request_changes"),
        (True, "submit"),
        (True, "ai_check"),
    ]


def test_submitting_a_newer_version_supersedes_the_open_one_and_repeats_are_idempotent(d: Desk) -> None:
    first = agency_item(d, "copy/draft.txt")
    again = d.submit(
        "agency_x_creative", "campaign/x", ["copy/draft.txt"], status=200, region_id=d.world.ids["a_north"]
    )
    assert [i["id"] for i in again] == [first["id"]]
    d.put_copy("agency_x_creative", "campaign/x", "copy/draft.txt", "夏季新品上市，冰感面料。")
    (second,) = d.submit(
        "agency_x_creative", "campaign/x", ["copy/draft.txt"], region_id=d.world.ids["a_north"]
    )
    old = d.item("agency_x_creative", first["id"])
    assert old["state"] == "withdrawn" and old["superseded_by"] == second["id"]
    assert second["thread_id"] == first["thread_id"] and second["version_no"] == 2


def test_withdraw_and_out_of_turn_actions(d: Desk) -> None:
    item = agency_item(d, "copy/withdraw.txt")
    d.refused("creative_a", "POST", f"/v1/reviews/{item['id']}/withdraw", 403, "not_submitter", json={})
    done = d.ok(
        "agency_x_creative", "POST", f"/v1/reviews/{item['id']}/withdraw", json={"reason": "brief changed"}
    )
    assert done["state"] == "withdrawn" and done["pending_level"] is None
    d.refused(
        "agency_x_reviewer",
        "POST",
        f"/v1/reviews/{item['id']}/decisions",
        409,
        "invalid_transition",
        json={"action": "approve"},
    )
    d.refused(
        "agency_x_creative", "POST", f"/v1/reviews/{item['id']}/withdraw", 409, "invalid_transition", json={}
    )
    d.refused(
        "agency_x_reviewer", "POST", f"/v1/reviews/{item['id']}/claim", 409, "invalid_transition", json={}
    )


def test_false_alarms_become_brand_exceptions_the_engine_honours(d: Desk) -> None:
    text = "本店最近上新的连衣裙，第一次穿就收到好多夸奖。"  # innocent; whatever fires here is a candidate
    item = in_house_item(d, "creative_a", "copy/alarm.txt", BLOCKED)
    index = next(f["index"] for f in item["ai_findings"] if f["severity"] == "block")
    finding = item["ai_findings"][index]
    url = f"/v1/reviews/{item['id']}/false-alarms"
    d.refused(
        "creative_a",
        "POST",
        url,
        403,
        "forbidden",
        json={"finding_index": index, "reason": "not a claim here"},
    )
    d.refused(
        "reviewer_a", "POST", url, 422, "finding_not_found", json={"finding_index": 99, "reason": "nope nope"}
    )
    exception = d.ok(
        "reviewer_a", "POST", url, 201, json={"finding_index": index, "reason": "brand name, not a claim"}
    )
    assert exception["rule_id"] == finding["rule_id"] and exception["active"] is True
    assert exception["context"] and finding["matched"] in exception["context"]
    after = d.item("reviewer_a", item["id"])
    assert after["open_blocking"] == item["open_blocking"] - 1
    assert after["ai_findings"][index]["excused_by"] == exception["id"]
    d.refused(
        "reviewer_a",
        "POST",
        url,
        409,
        "already_excused",
        json={"finding_index": index, "reason": "again again"},
    )

    check = {"text": BLOCKED, "brand_id": d.brand}
    result = d.ok("creative_a", "POST", "/v1/compliance/check", json=check)
    assert [e["exception_id"] for e in result["excused"]] == [exception["id"]]
    assert finding["rule_id"] not in {f["rule_id"] for f in result["findings"]}
    other_brand = d.ok(
        "creative_b",
        "POST",
        "/v1/compliance/check",
        json={"text": BLOCKED, "brand_id": d.world.ids["brand_b"]},
    )
    assert finding["rule_id"] in {f["rule_id"] for f in other_brand["findings"]}  # only brand A excuses it

    lines = d.call(
        "reviewer_a", "GET", "/v1/reviews/exceptions/export", params={"brand_id": d.brand}
    ).text.splitlines()
    assert len(lines) == 1 and '"violating": false' in lines[0]
    d.ok("reviewer_a", "POST", f"/v1/reviews/exceptions/{exception['id']}/revoke")
    d.refused(
        "reviewer_a", "POST", f"/v1/reviews/exceptions/{exception['id']}/revoke", 409, "already_revoked"
    )
    result = d.ok("creative_a", "POST", "/v1/compliance/check", json=check)
    assert result["excused"] == [] and finding["rule_id"] in {f["rule_id"] for f in result["findings"]}
    audit = d.ok("admin_a", "GET", "/v1/audit", params={"brand_id": d.brand, "action": "review.false_alarm"})
    assert len(audit["items"]) == 1
    assert text  # the innocent sentence documents intent; the check above used the blocked copy


def test_overdue_items_are_flagged_and_can_be_rescued_by_a_colleague(db_url: str, tmp_path: Path) -> None:
    settings = review_settings(db_url, tmp_path / "var", agency_sla_hours=0.5 / 3600)
    app = create_app_for(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        d = desk(app, client, settings)
        with transaction(app.state.session_factory) as s:
            _user(
                s,
                settings.auth.key_pepper.get_secret_value(),
                d.world,
                "agency_x_reviewer2",
                d.world.ids["agency_x"],
                [(d.brand, Role.AGENCY_REVIEWER, None)],
            )
        item = agency_item(d, "copy/late.txt")
        owner = item["assignee_id"]
        rescuer = (
            "agency_x_reviewer2" if owner == d.world.ids["user_agency_x_reviewer"] else "agency_x_reviewer"
        )
        time.sleep(0.6)
        late = d.ok("reviewer_a", "GET", "/v1/reviews", params={"brand_id": d.brand, "overdue": True})
        assert [i["id"] for i in late["items"]] == [item["id"]] and late["items"][0]["overdue"] is True
        claimed = d.ok(rescuer, "POST", f"/v1/reviews/{item['id']}/claim", json={})
        assert claimed["assignee_id"] == d.world.ids[f"user_{rescuer}"]
        mine = d.ok(rescuer, "GET", "/v1/reviews", params={"assignee": "me"})
        assert [i["id"] for i in mine["items"]] == [item["id"]]


def test_claims_and_admin_assignment(d: Desk, settings: Settings) -> None:
    with transaction(d.app.state.session_factory) as s:
        _user(
            s,
            settings.auth.key_pepper.get_secret_value(),
            d.world,
            "agency_x_reviewer2",
            d.world.ids["agency_x"],
            [(d.brand, Role.AGENCY_REVIEWER, None)],
        )
    item = agency_item(d, "copy/claim.txt")
    owner = item["assignee_id"]
    other = "agency_x_reviewer2" if owner == d.world.ids["user_agency_x_reviewer"] else "agency_x_reviewer"
    d.refused(other, "POST", f"/v1/reviews/{item['id']}/claim", 409, "already_assigned", json={})
    d.refused(other, "POST", f"/v1/reviews/{item['id']}/assign", 403, "forbidden", json={"user_id": None})
    d.refused(
        "admin_a",
        "POST",
        f"/v1/reviews/{item['id']}/assign",
        422,
        "not_eligible",
        json={"user_id": d.world.ids["user_reviewer_a"]},
    )  # brand staff cannot take the agency level
    moved = d.ok(
        "admin_a", "POST", f"/v1/reviews/{item['id']}/assign", json={"user_id": d.world.ids[f"user_{other}"]}
    )
    assert moved["assignee_id"] == d.world.ids[f"user_{other}"]
    released = d.ok("admin_a", "POST", f"/v1/reviews/{item['id']}/assign", json={"user_id": None})
    assert released["assignee_id"] is None
    unassigned = d.ok(
        "agency_x_reviewer", "GET", "/v1/reviews", params={"assignee": "none", "level": "agency"}
    )
    assert [i["id"] for i in unassigned["items"]] == [item["id"]]
    d.refused(
        "agency_x_reviewer",
        "POST",
        f"/v1/reviews/{item['id']}/claim",
        409,
        "stale_revision",
        json={"expected_revision": item["revision"]},
    )
    assert d.ok("agency_x_reviewer", "POST", f"/v1/reviews/{item['id']}/claim", json={})["assignee_id"]


def test_the_scorecard_reflects_decisions_and_exports_csv(d: Desk, settings: Settings) -> None:
    add_agency_z(d, settings)
    passed = agency_item(d, "copy/s1.txt")
    d.decide("agency_x_reviewer", passed["id"], "approve")
    d.decide("reviewer_a", passed["id"], "approve")
    blocked = agency_item(d, "copy/s2.txt", BLOCKED)
    d.decide("agency_x_reviewer", blocked["id"], "reject", reason="medical claims")
    d.branch("agency_z_creative", "campaign/z")
    d.put_copy("agency_z_creative", "campaign/z", "copy/z.txt", CLEAN)
    (z_item,) = d.submit("agency_z_creative", "campaign/z", ["copy/z.txt"])
    z_item = d.checked("agency_z_creative", z_item["id"])
    d.decide("agency_z_reviewer", z_item["id"], "approve")
    d.decide("reviewer_a", z_item["id"], "request_changes", reason="off brand tone")

    card = d.ok("reviewer_a", "GET", "/v1/reviews/scorecard", params={"brand_id": d.brand, "period": "all"})
    totals = {row["agency_id"]: row for row in card["totals"]}
    x, z = totals[d.world.ids["agency_x"]], totals[d.world.ids["agency_z"]]
    assert x["threads"] == 2 and x["first_pass_pass_rate"] == 0.5 and x["agency_rejections"] == 1
    assert x["ai_block_rate"] == 0.5 and x["violations_by_category"]["MEDICAL_CLAIMS"] == 1
    assert z["threads"] == 1 and z["first_pass_pass_rate"] == 0.0 and z["changes_requested"] == 1
    assert card["agency_names"][d.world.ids["agency_z"]] == "Agency Z, Shanghai"

    mine = d.ok(
        "agency_x_reviewer", "GET", "/v1/reviews/scorecard", params={"brand_id": d.brand, "period": "all"}
    )
    assert {row["agency_id"] for row in mine["totals"]} == {d.world.ids["agency_x"]}
    d.refused("creative_a", "GET", "/v1/reviews/scorecard", 403, "forbidden", params={"brand_id": d.brand})
    d.refused("admin_b", "GET", "/v1/reviews/scorecard", 404, "not_found", params={"brand_id": d.brand})
    d.refused(
        "reviewer_a",
        "GET",
        "/v1/reviews/scorecard",
        422,
        "invalid_window",
        params={"brand_id": d.brand, "start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"},
    )

    response = d.call(
        "admin_a", "GET", "/v1/reviews/scorecard.csv", params={"brand_id": d.brand, "period": "all"}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    by_name = {r["agency_name"]: r for r in rows}
    assert by_name["Agency Z, Shanghai"]["changes_requested"] == "1"
    assert by_name["Agency X"]["violations_MEDICAL_CLAIMS"] == "1"


def test_bad_submissions_are_refused_and_create_nothing(d: Desk) -> None:
    d.branch("agency_x_creative", "campaign/bad")
    d.put_copy("agency_x_creative", "campaign/bad", "copy/ok.txt", CLEAN)
    region = d.world.ids["a_north"]

    def refused(status: int, code: str, **body: Any) -> None:
        full = {
            "brand_id": d.brand,
            "branch": "campaign/bad",
            "paths": ["copy/ok.txt"],
            "region_id": region,
            **body,
        }
        d.refused("agency_x_creative", "POST", "/v1/reviews", status, code, json=full)

    refused(404, "asset_not_found", paths=["copy/ok.txt", "copy/missing.txt"])
    refused(404, "branch_not_found", branch="campaign/nope")
    refused(422, "duplicate_path", paths=["copy/ok.txt", "copy/ok.txt"])
    refused(422, "validation_error", paths=[])
    refused(422, "validation_error", paths=[f"copy/{i}.txt" for i in range(501)])
    refused(422, "invalid_path", paths=["../etc/passwd"])
    refused(422, "unknown_platform", platform="myspace")
    refused(422, "unknown_industry", industry="weapons")
    refused(422, "region_required", region_id=None)
    refused(404, "region_not_found", region_id=d.world.ids["a_south"])  # agency X works in a-north only
    d.refused(
        "reviewer_a",
        "POST",
        "/v1/reviews",
        403,
        "forbidden",
        json={"brand_id": d.brand, "branch": "campaign/bad", "paths": ["copy/ok.txt"]},
    )
    assert d.ok("admin_a", "GET", "/v1/reviews", params={"brand_id": d.brand})["items"] == []
    assert d.events("admin_a", brand_id=d.brand, type_prefix="review.") == []


def test_region_limits_hold_for_threads_exceptions_and_scorecards(d: Desk, settings: Settings) -> None:
    pepper = settings.auth.key_pepper.get_secret_value()
    north, south = d.world.ids["a_north"], d.world.ids["a_south"]
    with transaction(d.app.state.session_factory) as s:
        _user(s, pepper, d.world, "creative_north", None, [(d.brand, Role.CREATIVE, north)])
        _user(s, pepper, d.world, "reviewer_north", None, [(d.brand, Role.BRAND_REVIEWER, north)])
    d.branch("creative_a", "campaign/r")
    d.put_copy("creative_a", "campaign/r", "copy/r.txt", CLEAN)
    (southern,) = d.submit("creative_a", "campaign/r", ["copy/r.txt"], region_id=south)
    southern = d.checked("creative_a", southern["id"])
    d.ok("reviewer_a", "POST", f"/v1/reviews/{southern['id']}/comments", 201, json={"body": "南区专用"})
    d.put_copy("creative_north", "campaign/r", "copy/r.txt", "北区专供，春季新品上市。")
    (northern,) = d.submit("creative_north", "campaign/r", ["copy/r.txt"], region_id=north)
    # the southern item is out of the northern creative's reach: not superseded, not in its thread
    assert d.item("creative_a", southern["id"])["state"] == "ai_checked"
    assert northern["thread_id"] != southern["thread_id"] and northern["version_no"] == 1
    d.refused("creative_north", "GET", f"/v1/reviews/{southern['id']}/history", 404, "not_found")
    d.checked("creative_north", northern["id"])
    assert d.ok("creative_north", "GET", f"/v1/reviews/{northern['id']}/comments") == []

    # reviewed exceptions quote in-house copy: the brand's own staff only
    d.refused(
        "agency_x_reviewer", "GET", "/v1/reviews/exceptions", 403, "forbidden", params={"brand_id": d.brand}
    )
    d.refused(
        "agency_x_creative",
        "GET",
        "/v1/reviews/exceptions/export",
        403,
        "forbidden",
        params={"brand_id": d.brand},
    )
    assert d.ok("reviewer_north", "GET", "/v1/reviews/exceptions", params={"brand_id": d.brand}) == []

    # a region-limited reviewer's scorecard counts its regions' work only
    card = d.ok(
        "reviewer_north", "GET", "/v1/reviews/scorecard", params={"brand_id": d.brand, "period": "all"}
    )
    assert sum(row["threads"] for row in card["totals"]) == 1
    card = d.ok("reviewer_a", "GET", "/v1/reviews/scorecard", params={"brand_id": d.brand, "period": "all"})
    assert sum(row["threads"] for row in card["totals"]) == 2
