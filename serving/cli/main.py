"""Entry point of the ``atelier`` console script."""

from __future__ import annotations

import typer

from serving.cli.admin import agency_app, apikey_app, brand_app, db_app, demo_app
from serving.cli.assets import assets_app
from serving.cli.compliance import compliance_app
from serving.cli.evals import bench_command, eval_command
from serving.cli.openapi import openapi_command
from serving.cli.search import reindex_command, search_command
from serving.cli.serve import serve

app = typer.Typer(help="Atelier: generate, check, version and ship brand creative.", no_args_is_help=True)
app.command("serve")(serve)
app.add_typer(db_app, name="db")
app.add_typer(brand_app, name="brand")
app.add_typer(agency_app, name="agency")
app.add_typer(apikey_app, name="apikey")
app.add_typer(demo_app, name="demo")
app.add_typer(assets_app, name="assets")
app.add_typer(compliance_app, name="compliance")
app.command("search")(search_command)
assets_app.command("reindex")(reindex_command)
app.command("bench")(bench_command)
app.command("eval")(eval_command)
app.command("openapi")(openapi_command)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
