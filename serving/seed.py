"""Operator actions run from the CLI (no HTTP caller) and the idempotent demo seed for `make run`."""

from __future__ import annotations

import getpass
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.auth.caller import Caller
from serving.auth.models import ApiKey
from serving.auth.roles import Role
from serving.auth.secrets import hash_password, split_token, verify_password, verify_secret
from serving.auth.service import create_key
from serving.settings import Settings
from serving.tenancy import service as tenancy
from serving.tenancy.models import Agency, AgencyAssignment, Brand, Membership, Region, User
from serving.tenancy.schemas import AgencyCreate, AssignmentCreate, BrandCreate, RegionCreate

DEMO_BRAND = "demo"
DEMO_EMAIL = "demo-admin@atelier.local"
DEMO_KEY_FILE = "demo-api-key"
DEMO_PASSWORD_FILE = "demo-password"
DEMO_AGENCY_EMAIL = "demo-agency@atelier.local"
DEMO_REVIEWER_EMAIL = "demo-reviewer@atelier.local"
DEMO_CREATIVE_EMAIL = "demo-creative@atelier.local"


def cli_caller() -> Caller:
    """The operator at the terminal, as recorded in the audit log."""
    return Caller(principal_id=f"cli:{getpass.getuser()}", kind="operator", is_operator=True)


@dataclass(frozen=True)
class DemoSeed:
    brand: Brand
    user: User
    token: str
    created_key: bool
    password: str
    logins: tuple[tuple[str, str], ...]  # (email, role) of the studio users, all with ``password``


def seed_demo(session: Session, settings: Settings) -> DemoSeed:
    """Ensure the demo brand, region, agency, admin user and a working key; reuse the saved key if valid."""
    caller = cli_caller()
    brand = session.scalar(select(Brand).where(Brand.slug == DEMO_BRAND))
    if brand is None:
        brand = tenancy.create_brand(
            session, caller, BrandCreate(slug=DEMO_BRAND, name="Demo Brand 示例品牌"), None
        )
    region = session.scalar(select(Region).where(Region.brand_id == brand.id, Region.code == "cn-east"))
    if region is None:
        region = tenancy.create_region(
            session, caller, brand.id, RegionCreate(code="cn-east", name="华东 East China"), None
        )
    agency = session.scalar(select(Agency).where(Agency.slug == "demo-agency"))
    if agency is None:
        agency = tenancy.create_agency(
            session, caller, AgencyCreate(slug="demo-agency", name="Demo Agency 示例代理"), None
        )
    if session.scalar(select(AgencyAssignment).where(AgencyAssignment.agency_id == agency.id)) is None:
        tenancy.assign_agency(session, caller, brand.id, AssignmentCreate(agency_id=agency.id), None)
    user = session.scalar(select(User).where(User.email == DEMO_EMAIL))
    if user is None:
        user = User(email=DEMO_EMAIL, display_name="Demo Admin", is_operator=True)
        session.add(user)
        session.flush()
        session.add(Membership(user_id=user.id, brand_id=brand.id, role=Role.BRAND_ADMIN.value))
        session.flush()
    password = _demo_password(settings.ensure_data_dir() / DEMO_PASSWORD_FILE)
    logins = _ensure_studio_users(session, brand, agency, user, password)
    pepper = settings.auth.key_pepper.get_secret_value()
    key_file = settings.ensure_data_dir() / DEMO_KEY_FILE
    saved = _valid_saved_token(session, key_file, pepper)
    if saved is not None:
        return DemoSeed(brand, user, saved, False, password, logins)
    _, token = create_key(
        session,
        pepper,
        name="demo key (make run)",
        kind="user",
        created_by=caller.principal_id,
        user_id=user.id,
    )
    _write_secret(key_file, token)
    return DemoSeed(brand, user, token, True, password, logins)


def _demo_password(path: Path) -> str:
    """The studio password of the demo users: ``ATELIER_DEMO_PASSWORD``, else one generated once and saved."""
    chosen = os.environ.get("ATELIER_DEMO_PASSWORD")
    if chosen:
        return chosen
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    generated = secrets.token_urlsafe(12)
    _write_secret(path, generated)
    return generated


def _ensure_studio_users(
    session: Session, brand: Brand, agency: Agency, admin: User, password: str
) -> tuple[tuple[str, str], ...]:
    """Admin, creative, agency reviewer and brand reviewer users who can log in to the studio."""
    wanted = (
        (admin.email, Role.BRAND_ADMIN, None, admin.display_name),
        (DEMO_CREATIVE_EMAIL, Role.CREATIVE, agency.id, "Demo Creative 创意"),
        (DEMO_AGENCY_EMAIL, Role.AGENCY_REVIEWER, agency.id, "Demo Agency Reviewer 代理审核"),
        (DEMO_REVIEWER_EMAIL, Role.BRAND_REVIEWER, None, "Demo Brand Reviewer 品牌审核"),
    )
    for email, role, agency_id, name in wanted:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, display_name=name, agency_id=agency_id)
            session.add(user)
            session.flush()
            session.add(Membership(user_id=user.id, brand_id=brand.id, role=role.value))
        if user.password_hash is None or not verify_password(password, user.password_hash):
            user.password_hash = hash_password(password)
    session.flush()
    return tuple((email, role.value) for email, role, _, _ in wanted)


def _valid_saved_token(session: Session, key_file: Path, pepper: str) -> str | None:
    if not key_file.is_file():
        return None
    token = key_file.read_text(encoding="utf-8").strip()
    parts = split_token(token)
    if parts is None:
        return None
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[0]))
    if key is None or key.revoked_at is not None or not verify_secret(parts[1], key.secret_hash, pepper):
        return None
    return token


def _write_secret(path: Path, value: str) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    os.replace(tmp, path)
