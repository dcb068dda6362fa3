"""Helpers for repository tests: a brand, registered blobs, a repository bound to a session."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from asset_store.models import Blob, BlobGrant
from asset_store.repo.gate import MergeGate
from asset_store.repo.repository import Repository
from asset_store.repo.sqlutil import insert_ignore
from asset_store.repo.tree import TreeStore
from serving.db import make_engine, make_session_factory, transaction
from serving.tenancy.models import Brand


def fake_sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def add_brand(factory: sessionmaker[Session], slug: str) -> str:
    with transaction(factory) as session:
        brand = Brand(slug=slug, name=slug.title())
        session.add(brand)
        session.flush()
        return brand.id


def grant_blobs(
    factory: sessionmaker[Session], brand_id: str, names: list[str], kind: str = "image"
) -> list[str]:
    """Register blobs (metadata rows only) for ``names`` and grant them to the brand; returns shas."""
    shas = [fake_sha(n) for n in names]
    with transaction(factory) as session:
        insert_ignore(
            session,
            Blob,
            [
                {
                    "sha256": s,
                    "size": len(n),
                    "kind": kind,
                    "content_type": "image/png",
                    "info": {},
                    "previews": {},
                }
                for s, n in zip(shas, names, strict=True)
            ],
        )
        insert_ignore(
            session,
            BlobGrant,
            [{"brand_id": brand_id, "sha256": s, "kind": kind, "content_type": "image/png"} for s in shas],
        )
    return shas


class RepoWorld:
    """A database with one or two brands and a shared tree cache."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.factory = make_session_factory(self.engine)
        self.trees = TreeStore()
        self.brand = add_brand(self.factory, "alpha")
        self.other = add_brand(self.factory, "beta")
        with self.repo() as repo:
            repo.ensure()

    @contextmanager
    def repo(self, brand_id: str | None = None, gate: MergeGate | None = None) -> Iterator[Repository]:
        with transaction(self.factory) as session:
            yield Repository(session, brand_id or self.brand, self.trees, gate)

    def close(self) -> None:
        self.engine.dispose()
