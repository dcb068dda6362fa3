"""The studio's typed client is generated from the API: web/openapi.json and schema.d.ts must be current."""

from __future__ import annotations

import subprocess
from pathlib import Path

from serving.cli.openapi import DEFAULT_OUT, openapi_document, render

WEB = Path(__file__).resolve().parents[2] / "web"
HINT = "run `.venv/bin/atelier openapi && (cd web && npm run gen:api)` and commit the result"


def test_committed_openapi_document_matches_the_app() -> None:
    assert DEFAULT_OUT == WEB / "openapi.json"
    assert DEFAULT_OUT.read_text(encoding="utf-8") == render(openapi_document()), HINT


def test_typescript_schema_is_generated_from_the_committed_document() -> None:
    generator = WEB / "node_modules" / ".bin" / "openapi-typescript"
    assert generator.exists(), "web/node_modules is missing: `make setup` installs it (npm ci)"
    generated = subprocess.run(
        [str(generator), "openapi.json"], cwd=WEB, capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert generated == (WEB / "src" / "api" / "schema.d.ts").read_text(encoding="utf-8"), HINT


def test_operations_used_by_the_studio_keep_stable_ids() -> None:
    operations = {
        op["operationId"]
        for item in openapi_document()["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    for needed in ("createSession", "getMe", "listBrands", "createGeneration", "getJob", "streamJobEvents"):
        assert needed in operations
