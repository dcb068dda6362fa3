"""Isolation cases for the review queue and the event feed (the scene is built with review items: see
``tenancy_scene._reviews``).

Brand B's callers never see or act on brand A's review items, their history, comments, reviewed
exceptions or events (404: hidden), nor reach A's branches, paths or regions through brand B's own
submissions; B's items cannot be given to A's people (422). Within a brand, agency staff see their own
agency's work only (in-house items are hidden, 404), each level decides only its own turn (403) and only
the submitting side withdraws and resubmits (403). One brand's false alarms never excuse another's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.integration.tenancy_scene import B_SIDE, Case, Control, Scene, case

A_ITEMS = ("rev_x", "rev_a", "rev_w")
IN_HOUSE = ("rev_a", "rev_w")
"""Brand A's items of its own staff: hidden from agency X."""
AGENCY_X = ("agency_x_creative", "agency_x_reviewer")
A_PEOPLE = ("admin_a", "reviewer_a", "creative_a", "system_a", *AGENCY_X)
B_STAFF = ("admin_b", "creative_b", "system_b")
"""Brand B's own callers (agency Y's staff see only agency Y's work)."""
FORBIDDEN: dict[str, Any] = {"status": 403, "codes": ("forbidden",)}
WRONG_LEVEL: dict[str, Any] = {"status": 403, "codes": ("wrong_review_level",)}
NOT_SUBMITTER: dict[str, Any] = {"status": 403, "codes": ("not_submitter",)}
NOT_A_PERSON: dict[str, Any] = {"status": 403, "codes": ("reviewer_required",)}
NOT_ELIGIBLE: dict[str, Any] = {"status": 422, "codes": ("not_eligible",)}
REASON = "a claim the brand can prove"


def review_case(method: str, path: str) -> Callable[[Case], Case]:
    return case(method, path, reviews=True)


def _url(sc: Scene, item: str, tail: str = "") -> str:
    return f"/v1/reviews/{sc.ids[item]}{tail}"


def _ids(body: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in body]


def _hidden(sc: Scene, method: str, tail: str, body: Any = None) -> None:
    """``method`` on an item's URL is refused as not found to everyone who may not see the item:
    brand B's callers on A's items, agency X on A's in-house ones, A's people on B's, agency Y on B's
    in-house one."""
    for item in A_ITEMS:
        sc.denied(B_SIDE, method, _url(sc, item, tail), body)
    for item in IN_HOUSE:
        sc.denied(AGENCY_X, method, _url(sc, item, tail), body)
    for item in ("rev_y", "rev_b"):
        sc.denied(A_PEOPLE, method, _url(sc, item, tail), body)
    sc.denied(("agency_y_creative",), method, _url(sc, "rev_b", tail), body)


# Submitting and the queue -----------------------------------------------------------------------


@review_case("POST", "/v1/reviews")
def _submit(sc: Scene) -> Control:
    a, b, i = sc.ids["brand_a"], sc.ids["brand_b"], sc.ids

    def body(brand: str, branch: str, path: str, region: str | None = None) -> dict[str, Any]:
        return {"brand_id": brand, "branch": branch, "paths": [path], "region_id": region}

    mine = body(a, "campaign/a", "kv/a.png")
    sc.denied(B_SIDE, "POST", "/v1/reviews", mine)
    sc.denied(B_SIDE, "POST", "/v1/reviews", body(a, "campaign/a", "copy/x.txt", i["a_north"]))
    # A's branches, paths and regions mean nothing in B's own submissions
    sc.denied(
        B_SIDE,
        "POST",
        "/v1/reviews",
        body(b, "campaign/a", "copy/a.txt"),
        codes=("branch_not_found", "ref_not_found"),
    )
    sc.denied(B_SIDE, "POST", "/v1/reviews", body(b, "campaign/b", "kv/a.png"), codes=("asset_not_found",))
    sc.denied(
        B_SIDE,
        "POST",
        "/v1/reviews",
        body(b, "campaign/b", "kv/b.png", i["a_north"]),
        codes=("region_not_found",),
    )
    # agency X works for A in a-north only
    x_south = body(a, "campaign/a", "kv/a.png", i["a_south"])
    sc.denied(("agency_x_creative",), "POST", "/v1/reviews", x_south, codes=("region_not_found",))
    sc.denied(("agency_x_creative",), "POST", "/v1/reviews", mine, 422, ("region_required",))
    sc.denied(("agency_x_creative",), "POST", "/v1/reviews", body(b, "campaign/b", "kv/b.png"))
    sc.denied(("reviewer_a", "agency_x_reviewer"), "POST", "/v1/reviews", mine, **FORBIDDEN)
    return sc.control(
        "creative_a",
        "POST",
        "/v1/reviews",
        mine,
        201,
        lambda r: r["created"] == 1 and r["items"][0]["brand_id"] == a,
    )


@review_case("GET", "/v1/reviews")
def _queue(sc: Scene) -> Control:
    a, i = sc.ids["brand_a"], sc.ids
    b_items = {i["rev_y"], i["rev_b"]}
    for actor in B_SIDE:
        expected = {i["rev_y"]} if actor == "agency_y_creative" else b_items
        assert sc.item_ids(actor, "/v1/reviews") == expected, actor
        for query in (
            f"brand_id={a}",
            f"thread_id={i['rev_x']}",
            f"agency_id={i['agency_x']}",
            f"region_id={i['a_north']}",
            f"brand_id={a}&state=ai_checked&level=brand&assignee=none",
            f"assignee={i['user_agency_x_reviewer']}",
        ):
            assert sc.item_ids(actor, f"/v1/reviews?{query}") == set(), (actor, query)
        assert sc.item_ids(actor, "/v1/reviews?branch=campaign/a") == set(), actor
    assert sc.item_ids("admin_b", "/v1/reviews?path_prefix=copy/") == b_items
    for actor in AGENCY_X:
        assert sc.item_ids(actor, "/v1/reviews") == {i["rev_x"]}, actor
        assert sc.item_ids(actor, f"/v1/reviews?brand_id={a}&level=brand") == set(), actor
    expected = {i[name] for name in A_ITEMS}
    return sc.control(
        "reviewer_a",
        "GET",
        f"/v1/reviews?brand_id={a}",
        check=lambda r: {item["id"] for item in r["items"]} == expected,
    )


# Reviewed exceptions ----------------------------------------------------------------------------


@review_case("GET", "/v1/reviews/exceptions")
def _list_exceptions(sc: Scene) -> Control:
    a, b, i = sc.ids["brand_a"], sc.ids["brand_b"], sc.ids
    for query in ("", "&active=true", "&active=false"):
        sc.denied(B_SIDE, "GET", f"/v1/reviews/exceptions?brand_id={a}{query}")
        sc.denied(A_PEOPLE, "GET", f"/v1/reviews/exceptions?brand_id={b}{query}")
    for actor in B_STAFF:
        assert _ids(sc.ok(actor, "GET", f"/v1/reviews/exceptions?brand_id={b}")) == [i["exc_b"]], actor
    return sc.control(
        "reviewer_a", "GET", f"/v1/reviews/exceptions?brand_id={a}", check=lambda r: _ids(r) == [i["exc_a"]]
    )


@review_case("GET", "/v1/reviews/exceptions/export")
def _export_exceptions(sc: Scene) -> Control:
    a, b, i = sc.ids["brand_a"], sc.ids["brand_b"], sc.ids
    sc.denied(B_SIDE, "GET", f"/v1/reviews/exceptions/export?brand_id={a}")
    sc.denied(A_PEOPLE, "GET", f"/v1/reviews/exceptions/export?brand_id={b}")

    def lines(actor: str, brand: str) -> list[dict[str, Any]]:
        response = sc.get(actor, f"/v1/reviews/exceptions/export?brand_id={brand}")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/x-ndjson")
        return [json.loads(line) for line in response.text.splitlines()]

    assert [line["id"] for line in lines("admin_b", b)] == [i["exc_b"]]

    def control() -> None:
        (line,) = lines("reviewer_a", a)
        assert line["id"] == i["exc_a"] and line["violating"] is False, line

    return control


@review_case("POST", "/v1/reviews/exceptions/{exception_id}/revoke")
def _revoke_exception(sc: Scene) -> Control:
    i = sc.ids
    mine, theirs = (
        f"/v1/reviews/exceptions/{i['exc_a']}/revoke",
        f"/v1/reviews/exceptions/{i['exc_b']}/revoke",
    )
    sc.denied(B_SIDE, "POST", mine)
    sc.denied(A_PEOPLE, "POST", theirs)
    sc.denied(("creative_a", *AGENCY_X), "POST", mine, **FORBIDDEN)
    sc.denied(("system_a",), "POST", mine, **NOT_A_PERSON)
    return sc.control(
        "reviewer_a", "POST", mine, check=lambda r: r["active"] is False and r["revoked_at"] is not None
    )


# One item ---------------------------------------------------------------------------------------


@review_case("GET", "/v1/reviews/{item_id}")
def _get_item(sc: Scene) -> Control:
    _hidden(sc, "GET", "")
    assert sc.ok("agency_y_creative", "GET", _url(sc, "rev_y"))["agency_id"] == sc.ids["agency_y"]
    return sc.control(
        "agency_x_reviewer",
        "GET",
        _url(sc, "rev_x"),
        check=lambda r: r["state"] == "ai_checked" and r["pending_level"] == "agency",
    )


@review_case("POST", "/v1/reviews/{item_id}/claim")
def _claim(sc: Scene) -> Control:
    _hidden(sc, "POST", "/claim", {})
    sc.denied(
        ("agency_x_creative", "reviewer_a", "admin_a"), "POST", _url(sc, "rev_x", "/claim"), {}, **WRONG_LEVEL
    )
    sc.denied(("creative_a",), "POST", _url(sc, "rev_a", "/claim"), {}, **WRONG_LEVEL)
    sc.denied(("system_a",), "POST", _url(sc, "rev_a", "/claim"), {}, **NOT_A_PERSON)
    user = sc.ids["user_reviewer_a"]
    return sc.control(
        "reviewer_a", "POST", _url(sc, "rev_a", "/claim"), {}, check=lambda r: r["assignee_id"] == user
    )


@review_case("POST", "/v1/reviews/{item_id}/assign")
def _assign(sc: Scene) -> Control:
    i = sc.ids
    to_reviewer = {"user_id": i["user_reviewer_a"]}
    _hidden(sc, "POST", "/assign", to_reviewer)
    # nobody outside the item's brand (and level) is eligible, whoever assigns
    for item, user in (
        ("rev_y", "user_agency_x_reviewer"),
        ("rev_b", "user_reviewer_a"),
        ("rev_b", "user_shared"),
    ):
        sc.denied(("admin_b",), "POST", _url(sc, item, "/assign"), {"user_id": i[user]}, **NOT_ELIGIBLE)
    for item, user in (("rev_a", "user_admin_b"), ("rev_x", "user_shared"), ("rev_x", "user_reviewer_a")):
        sc.denied(("admin_a",), "POST", _url(sc, item, "/assign"), {"user_id": i[user]}, **NOT_ELIGIBLE)
    sc.denied(
        ("reviewer_a", "creative_a", "system_a", *AGENCY_X),
        "POST",
        _url(sc, "rev_x", "/assign"),
        {"user_id": None},
        **FORBIDDEN,
    )
    user = i["user_reviewer_a"]
    return sc.control(
        "admin_a", "POST", _url(sc, "rev_a", "/assign"), to_reviewer, check=lambda r: r["assignee_id"] == user
    )


@review_case("POST", "/v1/reviews/{item_id}/decisions")
def _decide(sc: Scene) -> Control:
    approve = {"action": "approve"}
    _hidden(sc, "POST", "/decisions", approve)
    _hidden(sc, "POST", "/decisions", {"action": "reject", "reason": "not ours"})
    # out of turn: the brand cannot skip agency X's level, the submitter never reviews
    sc.denied(
        ("reviewer_a", "admin_a", "agency_x_creative"),
        "POST",
        _url(sc, "rev_x", "/decisions"),
        approve,
        **WRONG_LEVEL,
    )
    sc.denied(("system_a",), "POST", _url(sc, "rev_x", "/decisions"), approve, **NOT_A_PERSON)
    return sc.control(
        "agency_x_reviewer",
        "POST",
        _url(sc, "rev_x", "/decisions"),
        approve,
        check=lambda r: r["state"] == "agency_approved" and r["pending_level"] == "brand",
    )


@review_case("POST", "/v1/reviews/{item_id}/withdraw")
def _withdraw(sc: Scene) -> Control:
    body = {"reason": "pulled"}
    _hidden(sc, "POST", "/withdraw", body)
    sc.denied(
        ("agency_x_reviewer", "reviewer_a", "creative_a", "system_a"),
        "POST",
        _url(sc, "rev_x", "/withdraw"),
        body,
        **NOT_SUBMITTER,
    )
    return sc.control(
        "agency_x_creative",
        "POST",
        _url(sc, "rev_x", "/withdraw"),
        body,
        check=lambda r: r["state"] == "withdrawn",
    )


@review_case("POST", "/v1/reviews/{item_id}/resubmit")
def _resubmit(sc: Scene) -> Control:
    i = sc.ids
    _hidden(sc, "POST", "/resubmit", {})
    sc.denied(("reviewer_a",), "POST", _url(sc, "rev_w", "/resubmit"), {}, **NOT_SUBMITTER)
    return sc.control(
        "creative_a",
        "POST",
        _url(sc, "rev_w", "/resubmit"),
        {},
        201,
        lambda r: r["thread_id"] == i["rev_w"] and r["version_no"] == 2 and r["brand_id"] == i["brand_a"],
    )


@review_case("GET", "/v1/reviews/{item_id}/history")
def _history(sc: Scene) -> Control:
    _hidden(sc, "GET", "/history")
    return sc.control(
        "agency_x_reviewer",
        "GET",
        _url(sc, "rev_x", "/history"),
        check=lambda r: [step["action"] for step in r] == ["submit", "ai_check"],
    )


@review_case("GET", "/v1/reviews/{item_id}/comments")
def _list_comments(sc: Scene) -> Control:
    i = sc.ids
    _hidden(sc, "GET", "/comments")
    assert _ids(sc.ok("agency_y_creative", "GET", _url(sc, "rev_y", "/comments"))) == [i["cmt_y"]]
    return sc.control(
        "agency_x_reviewer", "GET", _url(sc, "rev_x", "/comments"), check=lambda r: _ids(r) == [i["cmt_x"]]
    )


@review_case("POST", "/v1/reviews/{item_id}/comments")
def _add_comment(sc: Scene) -> Control:
    _hidden(sc, "POST", "/comments", {"body": "seen it"})
    _hidden(sc, "POST", "/comments", {"body": "this one", "anchor": {"finding_index": 0}})
    return sc.control(
        "agency_x_creative",
        "POST",
        _url(sc, "rev_x", "/comments"),
        {"body": "fixed in the next version"},
        201,
        lambda r: r["thread_id"] == sc.ids["rev_x"],
    )


@review_case("POST", "/v1/reviews/{item_id}/false-alarms")
def _false_alarm(sc: Scene) -> Control:
    i = sc.ids
    body = {"finding_index": 1, "reason": REASON}
    _hidden(sc, "POST", "/false-alarms", body)
    sc.denied(("creative_a",), "POST", _url(sc, "rev_a", "/false-alarms"), body, **FORBIDDEN)
    sc.denied(
        ("agency_x_reviewer",),
        "POST",
        _url(sc, "rev_x", "/false-alarms"),
        {**body, "finding_index": 0},
        **FORBIDDEN,
    )
    sc.denied(("system_a",), "POST", _url(sc, "rev_a", "/false-alarms"), body, **NOT_A_PERSON)
    # the same copy in both brands: B's check ran after A's false alarm and was excused by nothing
    theirs = sc.ok("admin_b", "GET", _url(sc, "rev_b"))
    assert theirs["ai_excused"] == [] and theirs["ai_findings"][0]["excused_by"] == i["exc_b"], theirs
    assert theirs["ai_findings"][1].get("excused_by") is None and theirs["open_blocking"] == 1, theirs
    return sc.control(
        "reviewer_a",
        "POST",
        _url(sc, "rev_a", "/false-alarms"),
        body,
        201,
        lambda r: r["brand_id"] == i["brand_a"] and r["source_item_id"] == i["rev_a"],
    )


# The event feed ---------------------------------------------------------------------------------


@review_case("GET", "/v1/events")
def _events(sc: Scene) -> Control:
    a, b, i = sc.ids["brand_a"], sc.ids["brand_b"], sc.ids
    secrets = [i[name] for name in ("brand_a", *A_ITEMS, "exc_a", "cmt_x", "cmt_a", "a_north")]

    def subjects(actor: str, query: str = "") -> set[str]:
        body = sc.ok(actor, "GET", f"/v1/events?limit=200{query}")
        assert body["next_cursor"] is None
        return {event["subject_id"] for event in body["items"]}

    for actor in B_SIDE:
        body = sc.ok(actor, "GET", "/v1/events?limit=200")
        assert body["items"] and {e["brand_id"] for e in body["items"]} == {b}, actor
        assert not [s for s in secrets if s in json.dumps(body)], actor
        for query in (f"&brand_id={a}", f"&subject_id={i['rev_x']}", f"&subject_id={i['rev_a']}"):
            assert subjects(actor, query) == set(), (actor, query)
        expected = {i["rev_y"]} if actor == "agency_y_creative" else {i["rev_y"], i["rev_b"]}
        assert subjects(actor, "&type_prefix=review.") == expected, actor
    for actor in AGENCY_X:  # only agency X's work: its review item (and the check, job events of its own)
        assert subjects(actor, "&type_prefix=review.") == {i["rev_x"]}, actor
        assert subjects(actor, f"&subject_id={i['rev_a']}") == set(), actor
        seen = sc.ok(actor, "GET", "/v1/events?limit=200")["items"]
        items = {
            e["data"].get("review_item_id", e["data"].get("item_id"))
            for e in seen
            if e["type"] != "job.finished"
        }
        assert items == {i["rev_x"]}, actor
        assert {e["subject_id"] for e in seen if e["type"] == "job.finished"} <= {
            i["job_x_north"],
            i["job_x_done"],
        }
    expected = {i[name] for name in A_ITEMS}
    return sc.control(
        "admin_a",
        "GET",
        f"/v1/events?limit=200&brand_id={a}&type_prefix=review.",
        check=lambda r: {e["subject_id"] for e in r["items"]} == expected,
    )


# The agency scorecard ---------------------------------------------------------------------------

SCORECARD_QUERIES = ("", "&period=week", "&period=all", "&period=month&end=2030-01-01T00:00:00Z")


def _agencies(body: dict[str, Any]) -> set[str | None]:
    return {row["agency_id"] for row in body["totals"]}


@review_case("GET", "/v1/reviews/scorecard")
def _scorecard(sc: Scene) -> Control:
    a, b, i = sc.ids["brand_a"], sc.ids["brand_b"], sc.ids
    for query in SCORECARD_QUERIES:
        sc.denied(B_SIDE, "GET", f"/v1/reviews/scorecard?brand_id={a}{query}")
        sc.denied(A_PEOPLE, "GET", f"/v1/reviews/scorecard?brand_id={b}{query}")
    sc.denied(
        ("creative_a", "system_a", "agency_x_creative"),
        "GET",
        f"/v1/reviews/scorecard?brand_id={a}",
        **FORBIDDEN,
    )
    theirs = sc.ok("admin_b", "GET", f"/v1/reviews/scorecard?brand_id={b}")
    assert _agencies(theirs) == {None, i["agency_y"]} and set(theirs["agency_names"]) == {i["agency_y"]}, (
        theirs
    )
    # an agency's reviewer sees its own agency's card only, not the brand's in-house work
    x_card = sc.ok("agency_x_reviewer", "GET", f"/v1/reviews/scorecard?brand_id={a}&period=all")
    assert _agencies(x_card) == {i["agency_x"]} and x_card["totals"][0]["threads"] == 1, x_card
    return sc.control(
        "reviewer_a",
        "GET",
        f"/v1/reviews/scorecard?brand_id={a}&period=all",
        check=lambda r: _agencies(r) == {None, i["agency_x"]} and sum(t["threads"] for t in r["totals"]) == 3,
    )


@review_case("GET", "/v1/reviews/scorecard.csv")
def _scorecard_csv(sc: Scene) -> Control:
    a, b = sc.ids["brand_a"], sc.ids["brand_b"]
    for query in SCORECARD_QUERIES:
        sc.denied(B_SIDE, "GET", f"/v1/reviews/scorecard.csv?brand_id={a}{query}")
        sc.denied(A_PEOPLE, "GET", f"/v1/reviews/scorecard.csv?brand_id={b}{query}")
    sc.denied(
        ("creative_a", "system_a", "agency_x_creative"),
        "GET",
        f"/v1/reviews/scorecard.csv?brand_id={a}",
        **FORBIDDEN,
    )

    def csv(actor: str, brand: str) -> str:
        response = sc.get(actor, f"/v1/reviews/scorecard.csv?brand_id={brand}&period=all")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        return response.text

    theirs = csv("admin_b", b)
    assert "Agency Y" in theirs and "Agency X" not in theirs and sc.ids["agency_x"] not in theirs, theirs
    x_card = csv("agency_x_reviewer", a)
    assert "Agency X" in x_card and "in-house" not in x_card, x_card

    def control() -> None:
        text = csv("reviewer_a", a)
        assert "Agency X" in text and "in-house" in text and "Agency Y" not in text, text

    return control
