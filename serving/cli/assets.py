"""`atelier assets …`: the brand asset repository from the command line (operator, straight on the store)."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from asset_store.blobs import Spool, blob_key
from asset_store.errors import AssetStoreError
from asset_store.repo.repository import DeleteAsset, PutAsset, Repository
from serving.assets.ingest import ingest, parse_kind
from serving.assets.services import AssetServices, build_asset_services
from serving.audit.service import record
from serving.db import make_engine, make_session_factory, transaction
from serving.errors import AtelierError
from serving.seed import cli_caller
from serving.settings import Settings
from serving.tenancy.models import Brand
from serving.webhooks.asset_events import asset_merged

console = Console()
assets_app = typer.Typer(help="Brand asset repositories: upload, branches, log, diff, merge, revert, tags.")
BrandArg = Annotated[str, typer.Argument(help="Brand id or slug.")]
RefOpt = Annotated[str, typer.Option("--ref", help="Branch, tag or commit.")]


@contextmanager
def _repo() -> Iterator[tuple[Callable[[str], tuple[Session, Repository]], AssetServices]]:
    settings = Settings()
    settings.ensure_data_dir()
    services = build_asset_services(settings)
    services.objects.ensure_ready()
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    try:
        with transaction(factory) as session:

            def open_brand(brand: str) -> tuple[Session, Repository]:
                row = session.scalars(
                    select(Brand).where(or_(Brand.id == brand, Brand.slug == brand))
                ).first()
                if row is None:
                    raise typer.BadParameter(f"no brand {brand!r}")
                return session, services.repository(session, row.id)

            yield open_brand, services
    except (AssetStoreError, AtelierError) as exc:
        code = getattr(exc, "code", "error")
        console.print(f"[red]error[/red] {code}: {exc}")
        details = getattr(exc, "details", None) or {}
        for violation in details.get("violations", [])[:50]:  # the merge gate says why, per path
            console.print(f"  {violation['path']}: {violation['code']} ({violation['message']})")
        raise typer.Exit(2) from None
    finally:
        engine.dispose()


def _files(paths: list[Path]) -> Iterator[tuple[Path, str]]:
    """(file, relative asset path) for files and the files under folders, in order."""
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
                yield child, child.relative_to(path).as_posix()
        elif path.is_file():
            yield path, path.name
        else:
            raise typer.BadParameter(f"{path} is not a file or folder")


@assets_app.command("upload")
def upload(
    brand: BrandArg,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (folders keep their layout).")],
    branch: Annotated[str, typer.Option(help="Branch to commit to.")] = "main",
    prefix: Annotated[str, typer.Option(help="Asset path prefix, e.g. 'campaign/618/'.")] = "",
    kind: Annotated[str | None, typer.Option(help="Expected kind of every file.")] = None,
    message: Annotated[str, typer.Option("--message", "-m")] = "Upload from the command line",
) -> None:
    """Validate and store files, then commit them all to BRANCH in one commit."""
    declared = parse_kind(kind)
    with _repo() as (open_brand, services):
        session, repo = open_brand(brand)
        changes: list[PutAsset | DeleteAsset] = []
        for file, rel in _files(paths):
            limit = services.limits.limit_for(declared) if declared else services.limits.largest
            with Spool(services.tmp_dir, limit) as spool, file.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    spool.write(chunk)
                spooled = spool.finish()
                guessed = mimetypes.guess_type(file.name)[0]
                done = ingest(
                    session,
                    services,
                    repo.brand_id,
                    spooled,
                    declared_kind=declared,
                    declared_content_type=guessed,
                    filename=file.name,
                    actor_id="cli",
                )
            changes.append(PutAsset(f"{prefix}{rel}", done.blob.sha256))
            console.print(f"stored {rel}  {done.blob.kind}  {done.blob.sha256[:12]}")
        commit = repo.commit(branch, changes, author_id="cli", message=message)
        services.after_commit(session, repo, commit, branch, "cli")
        record(
            session,
            cli_caller(),
            "asset.commit",
            brand_id=repo.brand_id,
            target_type="commit",
            target_id=commit.id,
            details={"branch": branch, "changes": len(changes)},
        )
        console.print(f"committed {len(changes)} asset(s) to {branch}: {commit.id[:12]}")


@assets_app.command("ls")
def list_assets(brand: BrandArg, ref: RefOpt = "main", prefix: str = "", limit: int = 1000) -> None:
    """List assets at a ref."""
    with _repo() as (open_brand, _):
        _, repo = open_brand(brand)
        commit, entries, more = repo.list_assets(ref, prefix=prefix, limit=limit)
        table = Table("path", "kind", "size", "blob", title=f"{ref} @ {commit.id[:12]}")
        for entry in entries:
            table.add_row(entry.path, entry.kind, str(entry.size), entry.blob[:12])
        console.print(table)
        if more:
            console.print(f"… more after {more}")


@assets_app.command("get")
def get_asset(
    brand: BrandArg,
    path: str,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the bytes.")],
    ref: RefOpt = "main",
) -> None:
    """Write an asset's bytes at a ref to a file."""
    with _repo() as (open_brand, services):
        _, repo = open_brand(brand)
        version = repo.get(ref, path)
        services.objects.download(blob_key(version.entry.blob), output)
        console.print(f"{path} @ {version.commit_id[:12]} → {output} ({version.entry.size} bytes)")


@assets_app.command("log")
def log(brand: BrandArg, ref: RefOpt = "main", limit: int = 20) -> None:
    """Show history reachable from a ref."""
    with _repo() as (open_brand, _):
        _, repo = open_brand(brand)
        table = Table("commit", "when", "author", "message")
        for commit in repo.log(ref, limit=limit):
            table.add_row(
                commit.id[:12],
                commit.created_at.isoformat(timespec="seconds"),
                commit.author_id or "-",
                commit.message.splitlines()[0] if commit.message else "",
            )
        console.print(table)


@assets_app.command("diff")
def diff(brand: BrandArg, from_ref: str, to_ref: str) -> None:
    """Assets that differ between two refs."""
    with _repo() as (open_brand, _):
        _, repo = open_brand(brand)
        for change in repo.diff(from_ref, to_ref):
            console.print(f"{change.status[0].upper()} {change.path}")


@assets_app.command("branches")
def branches(brand: BrandArg) -> None:
    """List branches and tags."""
    with _repo() as (open_brand, _):
        _, repo = open_brand(brand)
        table = Table("name", "kind", "commit", "updated")
        for ref in [*repo.branches(), *repo.tags()]:
            table.add_row(
                ref.name, ref.kind, ref.commit_id[:12], ref.updated_at.isoformat(timespec="seconds")
            )
        console.print(table)


@assets_app.command("branch")
def branch(
    brand: BrandArg,
    name: str,
    from_ref: Annotated[str, typer.Option("--from", help="Where it starts.")] = "main",
    delete: Annotated[bool, typer.Option("--delete", "-d", help="Delete the branch instead.")] = False,
) -> None:
    """Create (or with --delete remove) a branch."""
    with _repo() as (open_brand, services):
        session, repo = open_brand(brand)
        if delete:
            repo.delete_branch(name)
            services.branch_changed(session, repo.brand_id, name, "cli")
            console.print(f"deleted branch {name}")
            return
        ref = repo.create_branch(name, from_ref, author_id="cli")
        services.branch_changed(session, repo.brand_id, name, "cli")
        console.print(f"branch {ref.name} at {ref.commit_id[:12]}")


@assets_app.command("merge")
def merge(
    brand: BrandArg,
    source: str,
    into: Annotated[str, typer.Option("--into", help="Target branch.")] = "main",
    message: Annotated[str | None, typer.Option("--message", "-m")] = None,
) -> None:
    """Merge SOURCE into a branch (fast-forward or three-way; conflicts are reported)."""
    with _repo() as (open_brand, services):
        session, repo = open_brand(brand)
        result = repo.merge(source, into, author_id="cli", message=message)
        if result.outcome != "up_to_date":
            services.branch_changed(session, repo.brand_id, into, "cli")
            asset_merged(session, repo, result, source, into)
            record(
                session,
                cli_caller(),
                "asset.merge",
                brand_id=repo.brand_id,
                target_type="branch",
                target_id=into,
                details={"source": source, "outcome": result.outcome, "commit": result.commit.id},
            )
        console.print(
            f"{result.outcome}: {into} at {result.commit.id[:12]} ({len(result.changes)} change(s))"
        )


@assets_app.command("revert")
def revert(brand: BrandArg, branch: str, commit: str) -> None:
    """Undo COMMIT on BRANCH with a new commit."""
    with _repo() as (open_brand, services):
        session, repo = open_brand(brand)
        new = repo.revert(branch, commit, author_id="cli")
        services.after_commit(session, repo, new, branch, "cli")
        record(
            session,
            cli_caller(),
            "asset.revert",
            brand_id=repo.brand_id,
            target_type="commit",
            target_id=new.id,
            details={"branch": branch, "reverts": new.meta.get("reverts")},
        )
        console.print(f"{new.message} → {new.id[:12]}")


@assets_app.command("tag")
def tag(
    brand: BrandArg,
    name: str,
    ref: RefOpt = "main",
    message: Annotated[str | None, typer.Option("--message", "-m")] = None,
) -> None:
    """Tag a release."""
    with _repo() as (open_brand, _):
        session, repo = open_brand(brand)
        created = repo.create_tag(name, ref, author_id="cli", message=message)
        record(
            session,
            cli_caller(),
            "asset.tag.create",
            brand_id=repo.brand_id,
            target_type="tag",
            target_id=name,
            details={"commit": created.commit_id},
        )
        console.print(f"tag {created.name} at {created.commit_id[:12]}")


@assets_app.command("gc")
def gc(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only report what would be removed.")] = False,
    grace_hours: Annotated[float, typer.Option(help="Keep orphan objects younger than this.")] = 1.0,
) -> None:
    """Expire abandoned presigned uploads and delete stored bytes that no blob row refers to."""
    from datetime import timedelta

    from serving.assets.gc import collect

    settings = Settings()
    services = build_asset_services(settings)
    engine = make_engine(settings.database_url)
    try:
        report = collect(
            make_session_factory(engine), services, dry_run=dry_run, grace=timedelta(hours=grace_hours)
        )
    finally:
        engine.dispose()
    verb = "would remove" if dry_run else "removed"
    uploads, orphans = len(report.expired_uploads), len(report.orphan_objects)
    console.print(f"{verb} {uploads} expired upload(s) and {orphans} orphan object(s)")
    for key in report.orphan_objects:
        console.print(f"  {key}")
