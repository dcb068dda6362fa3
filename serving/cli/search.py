"""`atelier search QUERY --brand B` and `atelier assets reindex --brand B`: search and its index from the
command line, in this process (models load here; with the embedded vector index, stop the server first or
use `--queue` to let the server's job runner do the reindexing)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import or_, select

from asset_store.errors import AssetStoreError
from asset_store.media import AssetKind
from asset_store.vectors import open_vector_index
from serving.assets.services import build_asset_services
from serving.db import make_engine, make_session_factory, transaction
from serving.errors import AtelierError
from serving.gateway.inprocess import InProcessGateway
from serving.seed import cli_caller
from serving.settings import Settings
from serving.tenancy.models import Brand
from serving.vision.indexer import BranchIndexer
from serving.vision.runtime import VisionRuntime
from serving.vision.schemas import SearchRequest

console = Console()
BrandOpt = Annotated[str, typer.Option("--brand", "-b", help="Brand id or slug.")]
BranchOpt = Annotated[str, typer.Option("--branch", help="Branch.")]


@asynccontextmanager
async def _runtime() -> AsyncIterator[tuple[VisionRuntime, InProcessGateway]]:
    settings = Settings()
    settings.ensure_data_dir()
    engine = make_engine(settings.database_url)
    api_key = settings.vector.api_key.get_secret_value() if settings.vector.api_key else None
    runtime = VisionRuntime(
        make_session_factory(engine),
        build_asset_services(settings),
        settings.search,
        open_vector_index(settings.vector.url, api_key, settings.data_dir),
    )
    gateway = InProcessGateway(settings.llm_config(), settings.vision_config())
    try:
        yield runtime, gateway
    except (AssetStoreError, AtelierError) as exc:
        console.print(f"[red]error[/red] {getattr(exc, 'code', 'error')}: {exc}")
        raise typer.Exit(2) from None
    finally:
        await gateway.aclose()
        runtime.close()
        engine.dispose()


def _brand_id(runtime: VisionRuntime, brand: str) -> str:
    with transaction(runtime.readers) as session:
        found = session.scalar(select(Brand.id).where(or_(Brand.id == brand, Brand.slug == brand)))
    if found is None:
        raise typer.BadParameter(f"no brand {brand!r}")
    return found


async def _search(body: dict[str, Any], brand: str) -> dict[str, Any]:
    from serving.vision.search import search

    async with _runtime() as (runtime, gateway):
        request = SearchRequest.model_validate({**body, "brand_id": _brand_id(runtime, brand)})
        result = await search(runtime, gateway, cli_caller(), request)
        return result.model_dump(mode="json")


def search_command(
    query: Annotated[str, typer.Argument(help="What to look for (zh or en).")],
    brand: BrandOpt,
    branch: BranchOpt = "main",
    kind: Annotated[list[AssetKind] | None, typer.Option(help="Only this kind (repeatable).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the response as one JSON object.")] = False,
) -> None:
    """Search a brand's assets (semantic, keyword and image legs, fused)."""
    body = {"query": query, "branch": branch, "kinds": kind, "limit": limit}
    result = asyncio.run(_search(body, brand))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    table = Table("path", "kind", "score", "matched", "tags", title=f"{query!r} on {branch}")
    for hit in result["hits"]:
        table.add_row(
            hit["path"],
            hit["kind"],
            f"{hit['score']:.4f}",
            ",".join(hit["matched"]),
            " ".join(hit["tags"][:6]),
        )
    console.print(table)
    console.print(f"{len(result['hits'])} hit(s) in {result['took_ms']} ms")


async def _reindex(brand: str, branch: str, full: bool, queue: bool) -> dict[str, Any]:
    async with _runtime() as (runtime, gateway):
        brand_id = _brand_id(runtime, brand)
        if queue:
            from serving.vision.sync import INDEX_JOB_KIND, enqueue_once

            brief: dict[str, Any] = {"branch": branch, **({"full": True} if full else {})}
            with transaction(runtime.factory) as session:
                job = enqueue_once(session, brand_id, INDEX_JOB_KIND, brief, cli_caller().principal_id)
                return {"job_id": job.id, "branch": branch}

        async def progress(fraction: float, message: str) -> None:
            console.print(f"  {fraction:5.0%}  {message}")

        return await BranchIndexer(runtime, gateway, brand_id, branch).run(progress, full=full)


def reindex_command(
    brand: BrandOpt,
    branch: BranchOpt = "main",
    full: Annotated[bool, typer.Option(help="Every asset again, not only the changes.")] = False,
    queue: Annotated[bool, typer.Option(help="Queue the job for a running server instead.")] = False,
) -> None:
    """Bring a branch's search index up to its head (here, or with --queue in the server)."""
    result = asyncio.run(_reindex(brand, branch, full, queue))
    console.print(json.dumps(result, ensure_ascii=False))
