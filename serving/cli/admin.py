"""`atelier db|brand|agency|apikey|demo` verbs: operator actions straight on the database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from serving.audit.service import record
from serving.auth.models import ApiKey
from serving.auth.roles import Role
from serving.auth.service import create_key
from serving.db import (
    current_revision,
    head_revision,
    make_engine,
    make_session_factory,
    transaction,
    upgrade,
)
from serving.errors import AtelierError, NotFound
from serving.seed import cli_caller, seed_demo
from serving.settings import Settings
from serving.tenancy import service as tenancy
from serving.tenancy.models import Brand
from serving.tenancy.schemas import AgencyCreate, BrandCreate

console = Console()
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
brand_app = typer.Typer(help="Brands.", no_args_is_help=True)
agency_app = typer.Typer(help="Agencies.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data for a local run.", no_args_is_help=True)


def _factory(settings: Settings):  # type: ignore[no-untyped-def]
    settings.ensure_data_dir()
    return make_session_factory(make_engine(settings.database_url))


def _fail(exc: AtelierError) -> None:
    console.print(f"[red]error[/red] {exc.code}: {exc.detail}")
    raise typer.Exit(2)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations (SQLite or PostgreSQL, per ATELIER_DATABASE__URL)."""
    settings = Settings()
    settings.ensure_data_dir()
    upgrade(settings.database_url, revision)
    console.print(f"database at revision {current_revision(make_engine(settings.database_url))}")


@db_app.command("current")
def db_current() -> None:
    """Show the database revision and the code's head revision."""
    settings = Settings()
    engine = make_engine(settings.database_url)
    console.print(f"database: {current_revision(engine)}  code head: {head_revision()}")


@brand_app.command("create")
def brand_create(slug: str, name: Annotated[str, typer.Option(help="Display name.")]) -> None:
    """Create a brand."""
    try:
        body = BrandCreate(slug=slug, name=name)
        with transaction(_factory(Settings())) as session:
            brand = tenancy.create_brand(session, cli_caller(), body, None)
    except AtelierError as exc:
        _fail(exc)
    console.print(f"created brand {brand.slug} [bold]{brand.id}[/bold]")


@brand_app.command("list")
def brand_list() -> None:
    """List brands."""
    with transaction(_factory(Settings())) as session:
        rows = session.scalars(select(Brand).order_by(Brand.id)).all()
    table = Table("id", "slug", "name", "created")
    for brand in rows:
        table.add_row(brand.id, brand.slug, brand.name, brand.created_at.isoformat(timespec="seconds"))
    console.print(table)


@agency_app.command("create")
def agency_create(slug: str, name: Annotated[str, typer.Option(help="Display name.")]) -> None:
    """Create an agency."""
    try:
        with transaction(_factory(Settings())) as session:
            agency = tenancy.create_agency(session, cli_caller(), AgencyCreate(slug=slug, name=name), None)
    except AtelierError as exc:
        _fail(exc)
    console.print(f"created agency {agency.slug} [bold]{agency.id}[/bold]")


@apikey_app.command("create")
def apikey_create(
    brand: Annotated[str | None, typer.Option(help="Brand slug or id (system keys).")] = None,
    role: Annotated[Role, typer.Option(help="Role of a system key.")] = Role.SYSTEM,
    name: Annotated[str, typer.Option(help="What the key is for.")] = "cli key",
    operator: Annotated[bool, typer.Option("--operator", help="A platform operator key instead.")] = False,
    expires: Annotated[datetime | None, typer.Option(help="Expiry (UTC).")] = None,
) -> None:
    """Create an API key and print it once."""
    settings = Settings()
    pepper = settings.auth.key_pepper.get_secret_value()
    expires_at = expires.replace(tzinfo=UTC) if expires and expires.tzinfo is None else expires
    try:
        with transaction(_factory(settings)) as session:
            if operator:
                key, token = create_key(
                    session,
                    pepper,
                    name=name,
                    kind="operator",
                    created_by=cli_caller().principal_id,
                    expires_at=expires_at,
                )
            else:
                if brand is None:
                    raise NotFound("give --brand for a system key", code="brand_required")
                row = session.scalar(select(Brand).where((Brand.slug == brand) | (Brand.id == brand)))
                if row is None:
                    raise NotFound(f"no brand {brand!r}", code="brand_not_found")
                key, token = create_key(
                    session,
                    pepper,
                    name=name,
                    kind="system",
                    created_by=cli_caller().principal_id,
                    brand_id=row.id,
                    role=role,
                    expires_at=expires_at,
                )
            record(
                session,
                cli_caller(),
                "api_key.create",
                brand_id=key.brand_id,
                target_type="api_key",
                target_id=key.id,
                details={"kind": key.kind, "role": key.role, "name": key.name, "via": "cli"},
            )
    except AtelierError as exc:
        _fail(exc)
    console.print(f"key [bold]{key.id}[/bold] ({key.kind}{', ' + key.role if key.role else ''})")
    console.print("token (shown once):")
    print(token)


@apikey_app.command("revoke")
def apikey_revoke(key_id: str) -> None:
    """Revoke an API key."""
    with transaction(_factory(Settings())) as session:
        key = session.get(ApiKey, key_id)
        if key is None:
            console.print(f"[red]no key {key_id}[/red]")
            raise typer.Exit(2)
        if key.revoked_at is None:
            key.revoked_at = datetime.now(UTC)
            record(
                session,
                cli_caller(),
                "api_key.revoke",
                brand_id=key.brand_id,
                target_type="api_key",
                target_id=key.id,
                details={"via": "cli"},
            )
    console.print(f"revoked {key_id}")


@demo_app.command("seed")
def demo_seed() -> None:
    """Create the demo brand, agency, admin user and key (idempotent); print the key and URL."""
    settings = Settings()
    with transaction(_factory(settings)) as session:
        seed = seed_demo(session, settings)
    console.print(f"demo brand [bold]{seed.brand.slug}[/bold] ({seed.brand.id}), admin {seed.user.email}")
    console.print(f"API key{' (new)' if seed.created_key else ''}: [bold green]{seed.token}[/bold green]")
    console.print(f"studio logins (password [bold green]{seed.password}[/bold green]):")
    for email, role in seed.logins:
        console.print(f"  {email}  ({role})")
    console.print(f"URL: http://{settings.api.host}:{settings.api.port}  docs: /docs")
