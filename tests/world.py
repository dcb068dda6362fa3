"""A small multi-tenant world built straight on the database, with a token per actor.

Brand A (regions a-north, a-south) and brand B (region b-main); agency X works for A in a-north
only, agency Y works for B everywhere. ``tokens`` maps an actor name to a bearer token.

The first world of a test session on each database backend is built through the services; its rows
are kept, and every later world on that backend is those same rows inserted straight into the (empty)
database: the same brands, users, keys, audit entries and tokens, for a fraction of the cost.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from serving.auth.roles import Role
from serving.auth.service import create_key
from serving.db import transaction
from serving.seed import cli_caller
from serving.settings import Settings
from serving.tenancy import service as tenancy
from serving.tenancy.models import Membership, User
from serving.tenancy.schemas import AgencyCreate, AssignmentCreate, BrandCreate, RegionCreate
from tests.dbtemplates import Rows, all_rows, insert_rows, is_empty


@dataclass
class World:
    ids: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, actor: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[actor]}"}


def _user(
    session: Session,
    pepper: str,
    world: World,
    name: str,
    agency: str | None,
    memberships: list[tuple[str, Role, str | None]],
) -> None:
    user = User(email=f"{name}@example.com", display_name=name, agency_id=agency)
    session.add(user)
    session.flush()
    for brand_id, role, region_id in memberships:
        session.add(Membership(user_id=user.id, brand_id=brand_id, role=role.value, region_id=region_id))
    session.flush()
    _, token = create_key(
        session, pepper, name=f"{name} key", kind="user", created_by="test", user_id=user.id
    )
    world.ids[f"user_{name}"] = user.id
    world.tokens[name] = token


@dataclass(frozen=True)
class _Snapshot:
    """A world and every row its creation wrote, table by table in dependency order."""

    world: World
    rows: Rows


_SNAPSHOTS: dict[tuple[str, str], _Snapshot] = {}
"""Keyed by database dialect and key pepper (the tokens verify only under the pepper they were made with)."""


def build_world(factory: sessionmaker[Session], settings: Settings) -> World:
    """Create brands A and B, regions, agencies X and Y, users of every role, and a system key per brand.

    Into an empty database, a world made before on the same backend is replayed row for row; otherwise
    (the first time, or a database that already holds rows) it is built through the services.
    """
    engine: Engine = factory.kw["bind"]
    key = (engine.dialect.name, settings.auth.key_pepper.get_secret_value())
    empty = is_empty(engine)
    snapshot = _SNAPSHOTS.get(key)
    if empty and snapshot is not None:
        insert_rows(engine, snapshot.rows)
        return copy.deepcopy(snapshot.world)
    world = _build_world(factory, settings)
    if empty:
        _SNAPSHOTS[key] = _Snapshot(copy.deepcopy(world), all_rows(engine))
    return world


def _build_world(factory: sessionmaker[Session], settings: Settings) -> World:
    pepper = settings.auth.key_pepper.get_secret_value()
    world = World()
    op = cli_caller()
    with transaction(factory) as s:
        a = tenancy.create_brand(s, op, BrandCreate(slug="brand-a", name="Brand A"), None)
        b = tenancy.create_brand(s, op, BrandCreate(slug="brand-b", name="Brand B"), None)
        a_north = tenancy.create_region(s, op, a.id, RegionCreate(code="a-north", name="A North"), None)
        a_south = tenancy.create_region(s, op, a.id, RegionCreate(code="a-south", name="A South"), None)
        b_main = tenancy.create_region(s, op, b.id, RegionCreate(code="b-main", name="B Main"), None)
        x = tenancy.create_agency(s, op, AgencyCreate(slug="agency-x", name="Agency X"), None)
        y = tenancy.create_agency(s, op, AgencyCreate(slug="agency-y", name="Agency Y"), None)
        tenancy.assign_agency(s, op, a.id, AssignmentCreate(agency_id=x.id, region_id=a_north.id), None)
        tenancy.assign_agency(s, op, b.id, AssignmentCreate(agency_id=y.id), None)
        world.ids.update(
            brand_a=a.id,
            brand_b=b.id,
            a_north=a_north.id,
            a_south=a_south.id,
            b_main=b_main.id,
            agency_x=x.id,
            agency_y=y.id,
        )
        _user(s, pepper, world, "admin_a", None, [(a.id, Role.BRAND_ADMIN, None)])
        _user(s, pepper, world, "admin_b", None, [(b.id, Role.BRAND_ADMIN, None)])
        _user(s, pepper, world, "reviewer_a", None, [(a.id, Role.BRAND_REVIEWER, None)])
        _user(s, pepper, world, "creative_a", None, [(a.id, Role.CREATIVE, None)])
        _user(s, pepper, world, "creative_b", None, [(b.id, Role.CREATIVE, None)])
        _user(s, pepper, world, "agency_x_creative", x.id, [(a.id, Role.CREATIVE, None)])
        _user(s, pepper, world, "agency_x_reviewer", x.id, [(a.id, Role.AGENCY_REVIEWER, None)])
        _user(s, pepper, world, "agency_y_creative", y.id, [(b.id, Role.CREATIVE, None)])
        _user(s, pepper, world, "operator", None, [])
        s.get(User, world.ids["user_operator"]).is_operator = True  # type: ignore[union-attr]
        for brand, brand_id in (("a", a.id), ("b", b.id)):
            _, token = create_key(
                s,
                pepper,
                name=f"system {brand}",
                kind="system",
                created_by="test",
                brand_id=brand_id,
                role=Role.SYSTEM,
            )
            world.tokens[f"system_{brand}"] = token
    return world
