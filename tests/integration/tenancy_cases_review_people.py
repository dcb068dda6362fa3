"""Isolation case for the names of a brand's review participants (see test_tenancy_isolation).

Brand B's callers are refused brand A's list (404: the brand is hidden); B's list names B's members only,
with their roles at B (a user in both brands shows B's role alone), and no emails. Agency staff see the
brand's own people and their own agency's, never another agency's: the control adds a creative of
agency Z at brand A (after the "nothing changed" check, as it changes A) and looks again.
"""

from __future__ import annotations

from typing import Any

from serving.auth.roles import Role
from serving.db import transaction
from serving.tenancy.models import Membership, User
from tests.integration.tenancy_scene import B_SIDE, Control, Scene, case

A_PEOPLE = ("admin_a", "reviewer_a", "creative_a", "agency_x_creative", "agency_x_reviewer", "shared")
B_PEOPLE = ("admin_b", "creative_b", "agency_y_creative", "shared")


def _people(sc: Scene, actor: str, x: str) -> dict[str, dict[str, Any]]:
    """The list ``actor`` gets for brand ``x``, by user id; no entry carries an email."""
    response = sc.get(actor, f"/v1/brands/{sc.ids[f'brand_{x}']}/review-people")
    assert response.status_code == 200, (actor, response.text)
    assert "@example.com" not in response.text, response.text
    body: list[dict[str, Any]] = response.json()
    assert all("email" not in person for person in body), body
    return {person["id"]: person for person in body}


def _user_ids(sc: Scene, names: tuple[str, ...]) -> set[str]:
    return {sc.ids[f"user_{name}"] for name in names}


def _add_rival(sc: Scene) -> str:
    """A creative of agency Z (which works for brand A in a-south) at brand A."""
    with transaction(sc.app.state.session_factory) as s:
        rival = User(email="rival-z@example.com", display_name="Rival Z", agency_id=sc.ids["agency_z"])
        s.add(rival)
        s.flush()
        s.add(
            Membership(
                user_id=rival.id,
                brand_id=sc.ids["brand_a"],
                role=Role.CREATIVE.value,
                region_id=sc.ids["a_south"],
            )
        )
        rival_id: str = rival.id
    return rival_id


@case("GET", "/v1/brands/{brand_id}/review-people")
def _review_people(sc: Scene) -> Control:
    a = f"/v1/brands/{sc.ids['brand_a']}/review-people"
    sc.denied(B_SIDE, "GET", a)
    for actor in B_SIDE:
        people = _people(sc, actor, "b")
        assert set(people) == _user_ids(sc, B_PEOPLE), (actor, people)
        assert people[sc.ids["user_shared"]]["roles"] == ["creative"], people
    for actor in ("admin_a", "reviewer_a", "agency_x_reviewer"):
        assert set(_people(sc, actor, "a")) == _user_ids(sc, A_PEOPLE), actor

    def control() -> None:
        rival = _add_rival(sc)
        for actor in ("admin_a", "reviewer_a", "creative_a", "system_a"):
            people = _people(sc, actor, "a")
            assert set(people) == _user_ids(sc, A_PEOPLE) | {rival}, actor
            assert people[rival]["agency_id"] == sc.ids["agency_z"]
        for actor in ("agency_x_creative", "agency_x_reviewer"):
            assert set(_people(sc, actor, "a")) == _user_ids(sc, A_PEOPLE), actor
        for actor in B_SIDE:
            assert set(_people(sc, actor, "b")) == _user_ids(sc, B_PEOPLE), actor
        sc.denied(B_SIDE, "GET", a)

    return control
