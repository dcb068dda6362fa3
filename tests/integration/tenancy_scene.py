"""The tenancy world plus jobs, keys, sessions, a shared user and asset repositories, and a snapshot of
brand A's state.

Used by the tenancy isolation tests: every cross-tenant attempt must fail *and* leave brand A's rows
(and the group's tenancy tables) exactly as they were.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import io
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, func, or_, select
from sqlalchemy.orm import Session

from asset_store.blobs import blob_key
from asset_store.models import Blob, BlobGrant, Commit, Ref, UploadSession
from asset_store.objects.local import LocalObjectStore
from serving.assets.services import AssetServices
from serving.audit.models import AuditEvent
from serving.auth.models import ApiKey
from serving.auth.roles import Role
from serving.auth.secrets import hash_password
from serving.db import transaction
from serving.events.models import OutboxEvent
from serving.jobs.models import Job, JobEvent
from serving.reviews.ai_check import RESOURCE as REVIEW_RESOURCE
from serving.reviews.ai_check import check_item
from serving.reviews.models import ReviewComment, ReviewDecision, ReviewedException, ReviewItem
from serving.settings import Settings
from serving.tenancy.models import Agency, AgencyAssignment, Brand, Membership, Region, User
from serving.vision.models import BrandCustomTag, SearchDoc, SearchDuplicate, SearchIndexState
from tests.dbtemplates import Rows, all_rows, insert_rows, is_empty
from tests.world import World, build_world

PASSWORD_A = "correct horse battery A"
PASSWORD_B = "correct horse battery B"
B_SIDE = ("admin_b", "creative_b", "system_b", "agency_y_creative")
"""Every kind of caller of brand B: admin, brand creative, system key, agency staff."""

_VOLATILE = {"last_used_at", "dispatched_at", "published_at"}  # the webhook fan-out / NATS feed run meanwhile


@dataclass
class Scene:
    app: FastAPI
    client: TestClient
    world: World
    ids: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, actor: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[actor]}"}

    def req(
        self,
        actor: str,
        method: str,
        url: str,
        json: Any = None,
        *,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> httpx.Response:
        """``actor``'s request with a JSON body, or a raw ``content`` body sent as ``content_type``."""
        headers = self.headers(actor)
        if content_type is not None:
            headers["Content-Type"] = content_type
        response: httpx.Response = self.client.request(
            method, url, headers=headers, json=json, content=content
        )
        return response

    def get(self, actor: str, url: str) -> httpx.Response:
        return self.req(actor, "GET", url)

    def ok(self, actor: str, method: str, url: str, json: Any = None, status: int = 200) -> Any:
        response = self.req(actor, method, url, json)
        assert response.status_code == status, (actor, method, url, response.status_code, response.text)
        return response.json() if response.content else None

    def control(
        self,
        actor: str,
        method: str,
        url: str,
        json: Any = None,
        status: int = 200,
        check: Callable[[Any], bool] | None = None,
    ) -> Callable[[], None]:
        """A positive control: this request succeeds (and its body passes ``check``)."""

        def run() -> None:
            body = self.ok(actor, method, url, json, status)
            assert check is None or check(body), body

        return run

    def item_ids(self, actor: str, url: str) -> set[str]:
        body = self.ok(actor, "GET", url)
        assert body["next_cursor"] is None, "the test lists should fit one page"
        return {item["id"] for item in body["items"]}

    def denied(
        self,
        actors: Iterable[str],
        method: str,
        url: str,
        json: Any = None,
        status: int = 404,
        codes: tuple[str, ...] = ("not_found",),
        *,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> None:
        """Each actor's request fails with ``status`` and one of ``codes``, as problem+json."""
        for actor in actors:
            response = self.req(actor, method, url, json, content=content, content_type=content_type)
            where = (actor, method, url, response.status_code, response.text)
            assert response.status_code == status, where
            assert response.headers["content-type"].startswith("application/problem+json"), where
            assert response.json()["code"] in codes, where
            assert "Brand A" not in response.text and "brand-a" not in response.text, where

    def session(self) -> Session:
        session: Session = self.app.state.session_factory()
        return session

    @property
    def assets(self) -> AssetServices:
        services: AssetServices = self.app.state.assets
        return services


Control = Callable[[], None] | None
"""A positive control: the same request by someone allowed, run after the "nothing changed" check."""
Case = Callable[["Scene"], Control]
CASES: dict[tuple[str, str], Case] = {}
"""One isolation case per route (method, OpenAPI path)."""
REVIEW_CASES: set[tuple[str, str]] = set()
"""Routes whose case needs the review queue's items in the scene (see ``_reviews``)."""


def case(method: str, path: str, *, reviews: bool = False) -> Callable[[Case], Case]:
    """Register the isolation case of one route (``reviews``: build the scene with review items)."""

    def register(fn: Case) -> Case:
        assert (method, path) not in CASES, f"two cases for {method} {path}"
        CASES[(method, path)] = fn
        if reviews:
            REVIEW_CASES.add((method, path))
        return fn

    return register


@functools.cache
def _password_hash(password: str) -> str:
    """One scrypt hash per password for the whole session: a valid hash of it, like any fresh one (only
    the salt differs), without paying the deliberately slow hash again for every scene."""
    return hash_password(password)


def _api(client: TestClient, token: str, method: str, url: str, json: Any = None) -> Any:
    response = client.request(method, url, headers={"Authorization": f"Bearer {token}"}, json=json)
    assert response.status_code in (200, 201), (method, url, response.text)
    return response.json()


def png(color: tuple[int, int, int], size: tuple[int, int] = (24, 16)) -> bytes:
    """A small PNG of one colour (a distinct colour gives distinct bytes, hence a distinct sha256)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


PNGS = {"a": png((200, 30, 30)), "a2": png((30, 200, 30)), "b": png((30, 30, 200)), "b2": png((200, 200, 30))}
"""The bytes of each brand's assets: ``kv/{x}.png`` on main, ``kv/{x}-campaign.png`` on ``campaign/{x}``."""


def _upload(
    client: TestClient,
    token: str,
    brand_id: str,
    data: bytes,
    kind: str = "image",
    content_type: str = "image/png",
) -> str:
    response = client.post(
        f"/v1/brands/{brand_id}/blobs?kind={kind}",
        content=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
    )
    assert response.status_code == 201, response.text
    sha: str = response.json()["sha256"]
    return sha


def _assets(client: TestClient, tokens: dict[str, str], ids: dict[str, str], x: str) -> None:
    """Brand ``x``'s repository: kv/{x}.png on main, a campaign branch with a second asset, a release tag
    and a pending upload session. Main moves by its admin (publishing), the rest by its creative."""
    brand, admin, creative = ids[f"brand_{x}"], tokens[f"admin_{x}"], tokens[f"creative_{x}"]
    base = f"/v1/brands/{brand}"
    ids[f"sha_{x}"] = _upload(client, creative, brand, PNGS[x])
    ids[f"sha_{x}2"] = _upload(client, creative, brand, PNGS[f"{x}2"])

    def commit(token: str, branch: str, path: str, sha: str) -> str:
        body = {"branch": branch, "message": "m", "changes": [{"op": "put", "path": path, "blob": sha}]}
        commit_id: str = _api(client, token, "POST", f"{base}/commits", body)["id"]
        return commit_id

    ids[f"commit_{x}"] = commit(admin, "main", f"kv/{x}.png", ids[f"sha_{x}"])
    _api(client, creative, "POST", f"{base}/branches", {"name": f"campaign/{x}", "from_ref": "main"})
    ids[f"commit_{x}2"] = commit(creative, f"campaign/{x}", f"kv/{x}-campaign.png", ids[f"sha_{x}2"])
    _api(client, admin, "POST", f"{base}/tags", {"name": f"release/{x}-1", "ref": "main"})
    upload = {"kind": "image", "content_type": "image/png"}
    ids[f"upload_{x}"] = _api(client, creative, "POST", f"{base}/uploads", upload)["id"]
    root = _api(client, admin, "GET", f"{base}/commits?ref=main")[-1]
    ids[f"root_{x}"] = root["id"]


def build_scene(app: FastAPI, client: TestClient, settings: Settings, *, reviews: bool = False) -> Scene:
    """The world, a third agency Z (brand A, a-south), a user in both brands, passwords, sessions, jobs,
    an asset repository per brand (see ``_assets``) and, with ``reviews``, review items (``_reviews``;
    their check jobs would show in the job lists other cases count exactly)."""
    world = build_world(app.state.session_factory, settings)
    ids = dict(world.ids)
    with transaction(app.state.session_factory) as s:
        z = Agency(slug="agency-z", name="Agency Z")
        s.add(z)
        s.flush()
        s.add(AgencyAssignment(agency_id=z.id, brand_id=ids["brand_a"], region_id=ids["a_south"]))
        shared = User(email="shared@example.com", display_name="shared")
        s.add(shared)
        s.flush()
        for brand in ("brand_a", "brand_b"):
            s.add(Membership(user_id=shared.id, brand_id=ids[brand], role=Role.CREATIVE.value))
        for name, password in (("creative_a", PASSWORD_A), ("creative_b", PASSWORD_B)):
            user = s.get(User, ids[f"user_{name}"])
            assert user is not None
            user.password_hash = _password_hash(password)
        ids.update(agency_z=z.id, user_shared=shared.id)
    scene = Scene(app, client, world, ids, dict(world.tokens))
    login = client.post("/v1/auth/sessions", json={"email": "creative_a@example.com", "password": PASSWORD_A})
    assert login.status_code == 201, login.text
    scene.tokens["session_a"] = login.json()["token"]

    def job(actor: str, name: str, brand: str, region: str | None) -> None:
        body = {"brand_id": ids[brand], "kind": "echo", "brief": {"message": name}}
        if region is not None:
            body["region_id"] = ids[region]
        ids[name] = _api(client, scene.tokens[actor], "POST", "/v1/generations", body)["id"]

    job("agency_x_creative", "job_x_north", "brand_a", "a_north")
    job("agency_x_creative", "job_x_done", "brand_a", "a_north")
    job("creative_a", "job_a_north", "brand_a", "a_north")
    job("creative_a", "job_a_south", "brand_a", "a_south")
    job("system_a", "job_a_system", "brand_a", None)
    job("creative_b", "job_b", "brand_b", None)
    job("agency_y_creative", "job_y", "brand_b", None)
    done = _api(client, scene.tokens["agency_x_creative"], "POST", f"/v1/jobs/{ids['job_x_done']}/cancel")
    assert done["status"] == "cancelled"
    for x in ("a", "b"):
        _assets(client, scene.tokens, ids, x)
    with transaction(app.state.session_factory) as s:  # a brand custom tag each (learned elsewhere)
        for x in ("a", "b"):
            s.add(
                BrandCustomTag(
                    brand_id=ids[f"brand_{x}"],
                    id=f"brand:mark-{x}",
                    name_zh=f"标{x}",
                    name_en=f"mark {x}",
                    prototype=[1.0, 0.0],
                    threshold=0.9,
                    branch="main",
                    examples=[f"kv/{x}.png"],
                    encoder="fake",
                    stats={},
                    created_by="test",
                )
            )

    with scene.session() as s:
        for name, where in (
            ("key_system_a", ApiKey.name == "system a"),
            ("key_system_b", ApiKey.name == "system b"),
            ("key_admin_a", ApiKey.user_id == ids["user_admin_a"]),
            ("key_admin_b", ApiKey.user_id == ids["user_admin_b"]),
        ):
            ids[name] = s.scalars(select(ApiKey.id).where(where)).one()
        for name, member, brand in (
            ("mem_creative_a", "user_creative_a", "brand_a"),
            ("mem_shared_a", "user_shared", "brand_a"),
            ("mem_shared_b", "user_shared", "brand_b"),
        ):
            ids[name] = s.scalars(
                select(Membership.id).where(
                    Membership.user_id == ids[member], Membership.brand_id == ids[brand]
                )
            ).one()
        for name, agency in (("asg_x", "agency_x"), ("asg_y", "agency_y"), ("asg_z", "agency_z")):
            ids[name] = s.scalars(
                select(AgencyAssignment.id).where(AgencyAssignment.agency_id == ids[agency])
            ).one()
    if reviews:
        _reviews(scene)
    return scene


@dataclass(frozen=True)
class _SceneSnapshot:
    world: World
    ids: dict[str, str]
    tokens: dict[str, str]
    rows: Rows
    objects: Path
    """A copy of the local object store's ``objects/`` folder."""


class SceneCache:
    """Builds a scene once per database backend (with and without review items) and replays it after.

    A replay inserts every row the first build wrote into the (still empty) database and copies the
    object files it stored, then hands out the same ids and tokens: the state ``build_scene`` leaves, for
    a fraction of the cost (a scene is dozens of API calls and three deliberately slow password hashes).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._snapshots: dict[tuple[str, str, bool], _SceneSnapshot] = {}

    def scene(self, app: FastAPI, client: TestClient, settings: Settings, *, reviews: bool) -> Scene:
        """A scene on ``app``: replayed when the database is empty and one was built before."""
        engine: Engine = app.state.engine
        key = (engine.dialect.name, settings.auth.key_pepper.get_secret_value(), reviews)
        objects = app.state.assets.objects
        assert isinstance(objects, LocalObjectStore), "the scene's objects are copied as files"
        empty = is_empty(engine) and not any((objects.root / "objects").rglob("*"))
        snapshot = self._snapshots.get(key)
        if empty and snapshot is not None:
            insert_rows(engine, snapshot.rows)
            shutil.copytree(snapshot.objects, objects.root / "objects", dirs_exist_ok=True)
            world, ids, tokens = copy.deepcopy((snapshot.world, snapshot.ids, snapshot.tokens))
            return Scene(app, client, world, ids, tokens)
        scene = build_scene(app, client, settings, reviews=reviews)
        if empty:
            kept = self.folder / f"{key[0]}-{'reviews' if reviews else 'plain'}-{len(self._snapshots)}"
            shutil.copytree(objects.root / "objects", kept)
            state = copy.deepcopy((scene.world, scene.ids, scene.tokens))
            self._snapshots[key] = _SceneSnapshot(*state, rows=all_rows(engine), objects=kept)
        return scene


COPY = {
    "blocked": "全网最好的面霜，三天祛斑，永不复发。",
    "x": "春季新品上市，轻薄透气，多色可选。",
    "w": "夏季新品上市，清爽透气。",
    "w2": "夏季新品上市，清爽透气，多色可选。",
    "y": "秋季新品上市，柔软保暖。",
}
"""Copy under review (copy, not images: no OCR). The blocked text has two blocking findings (an absolute
and a medical claim); the others are clean."""


def _reviews(scene: Scene) -> None:
    """Review items of both brands past their AI check (run here: the scene has no job workers), all
    submitted from ``campaign/{x}``:

    - ``rev_x``: agency X's copy/x.txt (a-north), waiting for agency X, commented (``cmt_x``);
    - ``rev_a``: creative A's blocked copy/a.txt, waiting for the brand, unassigned; its first finding
      is marked a false alarm (``exc_a``), its second still blocks; commented (``cmt_a``);
    - ``rev_w``: creative A's copy/w.txt, withdrawn, with a newer version on the branch (resubmittable);
    - ``rev_y``: agency Y's copy/y.txt; ``rev_b``: creative B's blocked copy/b.txt with ``exc_b``.
    """
    client, tokens, ids = scene.client, scene.tokens, scene.ids
    runtime = scene.app.state.runner.resources[REVIEW_RESOURCE]

    def call(actor: str, url: str, body: dict[str, Any]) -> Any:
        return _api(client, tokens[actor], "POST", url, body)

    def put(actor: str, x: str, path: str, text: str) -> None:
        brand = ids[f"brand_{x}"]
        sha = _upload(client, tokens[actor], brand, COPY[text].encode(), "copy", "text/plain; charset=utf-8")
        change = {"op": "put", "path": path, "blob": sha}
        call(
            actor,
            f"/v1/brands/{brand}/commits",
            {"branch": f"campaign/{x}", "message": "m", "changes": [change]},
        )

    def submit(name: str, actor: str, x: str, path: str, text: str, region: str | None = None) -> None:
        put(actor, x, path, text)
        body = {"brand_id": ids[f"brand_{x}"], "branch": f"campaign/{x}", "paths": [path]}
        if region is not None:
            body["region_id"] = ids[region]
        ids[name] = call(actor, "/v1/reviews", body)["items"][0]["id"]
        assert check_item(runtime, ids[name]), name

    def false_alarm(name: str, actor: str, item: str) -> None:
        body = {"finding_index": 0, "reason": "a claim the brand can prove"}
        ids[name] = call(actor, f"/v1/reviews/{ids[item]}/false-alarms", body)["id"]

    def comment(name: str, actor: str, item: str, anchor: dict[str, int] | None = None) -> None:
        body = {"body": f"a comment on {item}", "anchor": anchor}
        ids[name] = call(actor, f"/v1/reviews/{ids[item]}/comments", body)["id"]

    submit("rev_x", "agency_x_creative", "a", "copy/x.txt", "x", "a_north")
    submit("rev_a", "creative_a", "a", "copy/a.txt", "blocked")
    submit("rev_w", "creative_a", "a", "copy/w.txt", "w")
    call("creative_a", f"/v1/reviews/{ids['rev_w']}/withdraw", {"reason": "a better line"})
    put("creative_a", "a", "copy/w.txt", "w2")
    call("admin_a", f"/v1/reviews/{ids['rev_a']}/assign", {"user_id": None})
    false_alarm("exc_a", "reviewer_a", "rev_a")
    comment("cmt_x", "agency_x_reviewer", "rev_x")
    comment("cmt_a", "reviewer_a", "rev_a", {"finding_index": 1})
    submit("rev_y", "agency_y_creative", "b", "copy/y.txt", "y")
    submit("rev_b", "creative_b", "b", "copy/b.txt", "blocked")
    false_alarm("exc_b", "admin_b", "rev_b")
    comment("cmt_y", "creative_b", "rev_y")


def _row(obj: Any) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns if c.key not in _VOLATILE}


def _rows(session: Session, stmt: Any) -> list[dict[str, Any]]:
    return [_row(obj) for obj in session.scalars(stmt)]


def _strip(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: _strip(v) for k, v in body.items() if k not in _VOLATILE}
    if isinstance(body, list):
        return [_strip(v) for v in body]
    return body


def brand_a_state(scene: Scene) -> dict[str, Any]:
    """Every row that belongs to brand A (read from the database) and admin_a's view of it (read via
    the API), plus the size of the group's tenancy tables. Key use times are left out."""
    a = scene.ids["brand_a"]
    members = select(Membership.user_id).where(Membership.brand_id == a)
    a_jobs = select(Job.id).where(Job.brand_id == a)
    a_blobs = select(BlobGrant.sha256).where(BlobGrant.brand_id == a)
    with scene.session() as s:
        state: dict[str, Any] = {
            "brand": _rows(s, select(Brand).where(Brand.id == a)),
            "regions": _rows(s, select(Region).where(Region.brand_id == a).order_by(Region.id)),
            "assignments": _rows(
                s, select(AgencyAssignment).where(AgencyAssignment.brand_id == a).order_by("id")
            ),
            "memberships": _rows(s, select(Membership).where(Membership.brand_id == a).order_by("id")),
            "users": _rows(s, select(User).where(User.id.in_(members)).order_by(User.id)),
            "keys": _rows(
                s,
                select(ApiKey)
                .where(or_(ApiKey.brand_id == a, ApiKey.user_id.in_(members)))
                .order_by(ApiKey.id),
            ),
            "jobs": _rows(s, select(Job).where(Job.brand_id == a).order_by(Job.id)),
            "job_events": _rows(s, select(JobEvent).where(JobEvent.job_id.in_(a_jobs)).order_by("id")),
            "audit": _rows(s, select(AuditEvent).where(AuditEvent.brand_id == a).order_by("id")),
            "refs": _rows(s, select(Ref).where(Ref.brand_id == a).order_by(Ref.name)),
            "commits": _rows(s, select(Commit).where(Commit.brand_id == a).order_by(Commit.id)),
            "blob_grants": _rows(s, select(BlobGrant).where(BlobGrant.brand_id == a).order_by("sha256")),
            "blobs": _rows(s, select(Blob).where(Blob.sha256.in_(a_blobs)).order_by(Blob.sha256)),
            "uploads": _rows(s, select(UploadSession).where(UploadSession.brand_id == a).order_by("id")),
            **{
                model.__tablename__: _rows(s, select(model).where(model.brand_id == a).order_by(model.id))
                for model in (ReviewItem, ReviewDecision, ReviewComment, ReviewedException, OutboxEvent)
            },
            **{
                model.__tablename__: _rows(s, select(model).where(model.brand_id == a).order_by(*order))
                for model, order in (
                    (SearchDoc, (SearchDoc.id,)),
                    (BrandCustomTag, (BrandCustomTag.id,)),
                    (SearchIndexState, (SearchIndexState.branch,)),
                    (
                        SearchDuplicate,
                        (SearchDuplicate.branch, SearchDuplicate.path_a, SearchDuplicate.path_b),
                    ),
                )
            },
            "counts": {
                model.__tablename__: s.scalar(select(func.count()).select_from(model))
                for model in (
                    *(Brand, Region, Agency, AgencyAssignment, User, Membership, Job),
                    *(ReviewItem, ReviewDecision, ReviewComment, ReviewedException, OutboxEvent),
                )
            },
        }
    # bytes put through a presigned URL land on the upload's staging key before any row changes
    objects = scene.assets.objects
    state["staged"] = {row["id"]: objects.exists(row["staging_key"]) for row in state["uploads"]}
    state["bytes"] = {
        row["sha256"]: hashlib.sha256(b"".join(objects.iter_bytes(blob_key(row["sha256"])))).hexdigest()
        for row in state["blob_grants"]
    }
    for url in (
        f"/v1/brands/{a}",
        f"/v1/brands/{a}/regions",
        f"/v1/brands/{a}/agencies",
        "/v1/users?limit=200",
        "/v1/api-keys?limit=200",
        f"/v1/jobs?limit=200&brand_id={a}",
        f"/v1/audit?limit=200&brand_id={a}",
        f"/v1/brands/{a}/branches",
        f"/v1/brands/{a}/tags",
        f"/v1/brands/{a}/commits?ref=main&limit=500",
        f"/v1/brands/{a}/assets?ref=main&limit=1000",
        f"/v1/reviews?limit=200&brand_id={a}",
        f"/v1/reviews/exceptions?brand_id={a}",
        f"/v1/events?limit=200&brand_id={a}",
        f"/v1/brands/{a}/custom-tags",
    ):
        state[f"api {url}"] = _strip(scene.ok("admin_a", "GET", url))
    return state
