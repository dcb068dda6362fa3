"""The ``atelier`` console script, run as a subprocess the way an operator runs it."""

from __future__ import annotations

import re
import signal
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving.api import create_app
from serving.settings import DEV_PEPPER, Settings
from tests.e2e.procs import cli_env, free_port, run_cli, start_serve, stop, wait_healthy

TOKEN = re.compile(r"atk_[A-Za-z0-9]+_[A-Za-z0-9_-]+")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], str]:
    """A data dir with a migrated database and the demo seed; returns (data dir, env, demo token)."""
    data_dir = tmp_path_factory.mktemp("cli")
    env = cli_env(data_dir)
    run_cli(["db", "upgrade"], env)
    out = run_cli(["demo", "seed"], env).stdout
    match = TOKEN.search(out)
    assert match, out
    return data_dir, env, match.group(0)


@pytest.fixture
def api(seeded: tuple[Path, dict[str, str], str]) -> Iterator[TestClient]:
    """The API in this process over the same data dir the CLI writes to (no job workers)."""
    data_dir = seeded[0]
    settings = Settings.model_validate(
        {
            "env": "test",
            "data_dir": data_dir,
            "database": {"url": f"sqlite:///{data_dir / 'atelier.db'}"},
            "auth": {"key_pepper": DEV_PEPPER},  # what the CLI subprocess uses (no ATELIER_ env there)
            "jobs": {"workers": 0},
        }
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _status_within(api: TestClient, token: str, seconds: float) -> int:
    """``GET /v1/me``'s status once it is 401, or when ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    while True:
        status = api.get("/v1/me", headers=_bearer(token)).status_code
        if status == 401 or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


def test_db_upgrade_and_current(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "var")
    first = run_cli(["db", "upgrade"], env).stdout
    revision = re.search(r"database at revision (\S+)", first)
    assert revision, first
    assert (tmp_path / "var" / "atelier.db").is_file()
    assert f"database at revision {revision.group(1)}" in run_cli(["db", "upgrade"], env).stdout  # no-op
    current = run_cli(["db", "current"], env).stdout
    assert re.search(rf"database: {revision.group(1)}\s+code head: {revision.group(1)}", current), current


def test_demo_seed_twice_gives_the_same_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    env = cli_env(data_dir)
    run_cli(["db", "upgrade"], env)
    first = run_cli(["demo", "seed"], env).stdout
    second = run_cli(["demo", "seed"], env).stdout
    first_token, second_token = TOKEN.search(first), TOKEN.search(second)
    assert first_token and second_token, (first, second)
    assert first_token.group(0) == second_token.group(0)
    assert "(new)" in first and "(new)" not in second
    key_file = data_dir / "demo-api-key"
    assert key_file.read_text(encoding="utf-8").strip() == first_token.group(0)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    brands = run_cli(["brand", "list"], env).stdout
    assert len(re.findall(r"│ demo\s+│", brands)) == 1, brands


def test_brand_create_and_list(seeded: tuple[Path, dict[str, str], str]) -> None:
    _, env, _ = seeded
    created = run_cli(["brand", "create", "acme-cli", "--name", "Acme 艾克米"], env).stdout
    brand_id = re.search(r"created brand acme-cli (brd_\w+)", created)
    assert brand_id, created
    listing = run_cli(["brand", "list"], env).stdout
    assert brand_id.group(1) in listing
    assert "Acme 艾克米" in listing
    assert "demo" in listing
    again = run_cli(["brand", "create", "acme-cli", "--name", "Other"], env, check=False)
    assert again.returncode == 2
    assert "brand_exists" in again.stdout


def test_apikey_create_authenticates_and_revoke_is_audited(
    seeded: tuple[Path, dict[str, str], str], api: TestClient
) -> None:
    _, env, demo_token = seeded
    created = run_cli(["apikey", "create", "--brand", "demo", "--role", "system", "--name", "ci"], env)
    key_id = re.search(r"key (key_\w+) \(system, system\)", created.stdout)
    assert key_id, created.stdout
    token = created.stdout.strip().splitlines()[-1]  # the token is the last line, alone
    assert TOKEN.fullmatch(token), created.stdout

    me = api.get("/v1/me", headers=_bearer(token))
    assert me.status_code == 200, me.text
    assert me.json()["kind"] == "system"
    assert me.json()["key_id"] == key_id.group(1)
    demo_brand = api.get("/v1/brands", headers=_bearer(demo_token)).json()["items"]
    demo_id = next(b["id"] for b in demo_brand if b["slug"] == "demo")
    assert [(g["brand_id"], g["role"]) for g in me.json()["grants"]] == [(demo_id, "system")]

    revoked = run_cli(["apikey", "revoke", key_id.group(1)], env).stdout
    assert f"revoked {key_id.group(1)}" in revoked
    # The CLI is another process: the API's memo of resolved keys lets its revocation apply within
    # auth.caller_cache_seconds (a revocation made through the API itself applies at once).
    memo_s = cast(FastAPI, api.app).state.settings.auth.caller_cache_seconds
    assert _status_within(api, token, memo_s + 1.0) == 401

    audit = api.get("/v1/audit", headers=_bearer(demo_token), params={"brand_id": demo_id}).json()["items"]
    by_action = {(e["action"], e["target_id"]): e for e in audit}
    revoke_event = by_action.get(("api_key.revoke", key_id.group(1)))
    assert revoke_event is not None, audit
    assert revoke_event["actor_id"].startswith("cli:")
    assert revoke_event["actor_kind"] == "operator"
    assert ("api_key.create", key_id.group(1)) in by_action

    # Revoking twice is a no-op that writes no second event; an unknown key is an error.
    run_cli(["apikey", "revoke", key_id.group(1)], env)
    audit = api.get("/v1/audit", headers=_bearer(demo_token), params={"action": "api_key.revoke"}).json()
    assert [e["target_id"] for e in audit["items"]].count(key_id.group(1)) == 1
    unknown = run_cli(["apikey", "revoke", "key_doesnotexist"], env, check=False)
    assert unknown.returncode == 2
    assert "no key key_doesnotexist" in unknown.stdout


def test_apikey_create_needs_a_known_brand(seeded: tuple[Path, dict[str, str], str]) -> None:
    _, env, _ = seeded
    missing = run_cli(["apikey", "create", "--role", "system"], env, check=False)
    assert missing.returncode == 2
    assert "brand_required" in missing.stdout
    unknown = run_cli(["apikey", "create", "--brand", "no-such-brand"], env, check=False)
    assert unknown.returncode == 2
    assert "brand_not_found" in unknown.stdout


def test_serve_no_ray_answers(seeded: tuple[Path, dict[str, str], str]) -> None:
    data_dir, env, demo_token = seeded
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = data_dir / f"serve-no-ray-{port}.log"
    proc = start_serve(["--no-ray", "--port", str(port)], env, log_path)
    try:
        wait_healthy(base_url, proc, log_path, timeout=60)
        assert httpx.get(f"{base_url}/healthz").json()["status"] == "ok"
        ready = httpx.get(f"{base_url}/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"]["models"] == {"echo": "ok", "llm": "ok"}
        me = httpx.get(f"{base_url}/v1/me", headers=_bearer(demo_token))
        assert me.status_code == 200
        assert len(me.headers.get_list("x-request-id")) == 1

        def chunks() -> Iterator[bytes]:  # chunked, no Content-Length: cut off while streaming
            for _ in range(20):
                yield b"x" * 65536

        too_big = httpx.post(f"{base_url}/v1/generations", headers=_bearer(demo_token), content=chunks())
        assert too_big.status_code == 413
        assert too_big.json()["code"] == "payload_too_large"
    finally:
        code, _ = stop(proc, log_path, timeout=30)
    # uvicorn shuts down gracefully, then re-raises the SIGTERM it caught (exit status -15 by convention)
    assert code in {0, -signal.SIGTERM}
    assert "Application shutdown complete" in log_path.read_text(encoding="utf-8")
