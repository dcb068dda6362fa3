"""`atelier openapi`: write the API's OpenAPI document (the studio's typed client is generated from it)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from serving.settings import Settings

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "web" / "openapi.json"


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the app, built against a throwaway data directory (nothing is served)."""
    from serving.api import create_app

    with tempfile.TemporaryDirectory(prefix="atelier-openapi-") as tmp:
        settings = Settings(data_dir=Path(tmp))
        document: dict[str, Any] = create_app(settings).openapi()
    return document


def render(document: dict[str, Any]) -> str:
    """Stable text form: sorted keys, two-space indent, trailing newline (so diffs stay small)."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def openapi_command(
    out: Annotated[Path, typer.Option(help="Where to write the JSON document.")] = DEFAULT_OUT,
    check: Annotated[bool, typer.Option(help="Fail if the file differs instead of writing it.")] = False,
) -> None:
    """Write (or --check) the OpenAPI document used to generate web/src/api/schema.d.ts."""
    text = render(openapi_document())
    if check:
        if not out.is_file() or out.read_text(encoding="utf-8") != text:
            typer.echo(f"{out} is stale: run `atelier openapi` then `npm run gen:api` in web/", err=True)
            raise typer.Exit(1)
        typer.echo(f"{out} is up to date")
        return
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out}")
