"""End to end over real HTTP against `atelier serve`: staff are created and log in, an agency creative's
copy travels upload → AI check → agency approval → (server restart) → brand approval → merge to main,
and every forbidden shortcut on the way is refused."""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.procs import cli_env, free_port, run_cli, start_serve, stop, wait_healthy

TOKEN = re.compile(r"atk_[A-Za-z0-9]+_[A-Za-z0-9_-]+")
PASSWORD = "review journey password 1"


class Server:
    """`atelier serve --no-ray` over one data dir; restartable."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.env = cli_env(data_dir)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: Any = None
        self.log = data_dir / "serve.log"

    def start(self) -> None:
        self.proc = start_serve(["--no-ray", "--port", str(self.port)], self.env, self.log)
        wait_healthy(self.base, self.proc, self.log, timeout=90)

    def stop(self) -> None:
        code, _ = stop(self.proc, self.log, timeout=30)
        assert code in {0, -signal.SIGTERM}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Server, str]]:
    srv = Server(tmp_path)
    run_cli(["db", "upgrade"], srv.env)
    out = run_cli(["demo", "seed"], srv.env).stdout
    match = TOKEN.search(out)
    assert match, out
    srv.start()
    try:
        yield srv, match.group(0)
    finally:
        if srv.proc is not None and srv.proc.poll() is None:
            srv.stop()


def call(srv: Server, token: str, method: str, path: str, status: int = 200, **kw: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}", **kw.pop("headers", {})}
    response = httpx.request(method, srv.base + path, headers=headers, timeout=30, **kw)
    assert response.status_code == status, (method, path, response.status_code, response.text)
    return response.json() if response.content else None


def refused(srv: Server, token: str, method: str, path: str, status: int, code: str, **kw: Any) -> None:
    response = httpx.request(
        method, srv.base + path, headers={"Authorization": f"Bearer {token}"}, timeout=30, **kw
    )
    assert (response.status_code, response.json().get("code")) == (status, code), response.text


def staff(srv: Server, admin: str, brand: str, agency: str | None, name: str, role: str) -> str:
    """Create a user through the API, log in with the password, return the session token."""
    body = {
        "email": f"{name}@journey.example",
        "display_name": name,
        "password": PASSWORD,
        "agency_id": agency,
        "memberships": [{"brand_id": brand, "role": role}],
    }
    call(srv, admin, "POST", "/v1/users", 201, json=body)
    login = call(
        srv, admin, "POST", "/v1/auth/sessions", 201, json={"email": body["email"], "password": PASSWORD}
    )
    token: str = login["token"]
    return token


def test_copy_travels_through_three_level_review_to_main(server: tuple[Server, str]) -> None:
    srv, admin = server
    brand = next(b for b in call(srv, admin, "GET", "/v1/brands")["items"] if b["slug"] == "demo")["id"]
    agency = next(a for a in call(srv, admin, "GET", "/v1/agencies")["items"] if a["slug"] == "demo-agency")[
        "id"
    ]
    creative = staff(srv, admin, brand, agency, "agency-creative", "creative")
    agency_reviewer = staff(srv, admin, brand, agency, "agency-reviewer", "agency_reviewer")
    brand_reviewer = staff(srv, admin, brand, None, "brand-reviewer", "brand_reviewer")
    base = f"/v1/brands/{brand}"

    text = "秋冬新品羊毛大衣，双面呢工艺，版型利落，三色可选。"
    blob = httpx.post(
        f"{srv.base}{base}/blobs?kind=copy",
        content=text.encode(),
        headers={"Authorization": f"Bearer {creative}", "Content-Type": "text/plain; charset=utf-8"},
        timeout=30,
    )
    assert blob.status_code == 201, blob.text
    call(srv, creative, "POST", f"{base}/branches", 201, json={"name": "campaign/autumn", "from_ref": "main"})
    change = {"op": "put", "path": "copy/coat.txt", "blob": blob.json()["sha256"]}
    call(
        srv,
        creative,
        "POST",
        f"{base}/commits",
        201,
        json={"branch": "campaign/autumn", "message": "coat copy", "changes": [change]},
    )

    merge = {"source": "campaign/autumn", "target": "main"}
    refused(srv, creative, "POST", f"{base}/merges", 403, "forbidden", json=merge)  # creatives cannot publish
    refused(srv, admin, "POST", f"{base}/merges", 409, "merge_blocked", json=merge)  # nothing reviewed yet

    submitted = call(
        srv,
        creative,
        "POST",
        "/v1/reviews",
        201,
        json={"brand_id": brand, "branch": "campaign/autumn", "paths": ["copy/coat.txt"]},
    )
    item_id = submitted["items"][0]["id"]
    deadline = time.monotonic() + 60
    while (item := call(srv, creative, "GET", f"/v1/reviews/{item_id}"))["state"] == "submitted":
        assert time.monotonic() < deadline, item
        time.sleep(0.2)
    assert (
        item["state"] == "ai_checked" and item["ai_verdict"] == "pass" and item["pending_level"] == "agency"
    )

    decision = f"/v1/reviews/{item_id}/decisions"
    refused(srv, creative, "POST", decision, 403, "wrong_review_level", json={"action": "approve"})
    refused(srv, brand_reviewer, "POST", decision, 403, "wrong_review_level", json={"action": "approve"})
    call(srv, agency_reviewer, "POST", decision, json={"action": "approve"})

    srv.stop()  # the decision survives a restart: it is in the database, not in the process
    srv.start()

    assert call(srv, brand_reviewer, "GET", f"/v1/reviews/{item_id}")["state"] == "agency_approved"
    refused(srv, admin, "POST", f"{base}/merges", 409, "merge_blocked", json=merge)
    approved = call(srv, brand_reviewer, "POST", decision, json={"action": "approve"})
    assert approved["state"] == "brand_approved"
    refused(
        srv,
        agency_reviewer,
        "POST",
        decision,
        409,
        "invalid_transition",
        json={"action": "reject", "reason": "too late"},
    )

    merged = call(srv, admin, "POST", f"{base}/merges", json=merge)
    assert merged["outcome"] in {"fast_forward", "merge"}
    on_main = call(srv, admin, "GET", f"{base}/tree/copy/coat.txt", params={"ref": "main"})
    assert on_main["blob"] == item["blob"]
    events = call(srv, admin, "GET", "/v1/events", params={"subject_id": item_id})["items"]
    assert [e["type"] for e in events] == [
        "review.submitted",
        "review.ai_checked",
        "review.agency_approved",
        "review.brand_approved",
    ]
