"""Keep a branch's search index in step with the branch: diff the head against the last indexed commit
and (re)index what changed, in batches; each batch is written before the next starts, and the state moves
to the head only at the end, so an interrupted run loses nothing (the next one redoes the same diff; the
checkpoint lets a resumed attempt skip the batches already written)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select

from asset_store.blobs import blob_key
from asset_store.errors import AssetStoreError, ObjectNotFound
from asset_store.repo.tree import Change, Entry
from asset_store.vectors import VectorFilter
from serving.db import transaction
from serving.gateway.protocol import ModelGateway
from serving.vision import analyses
from serving.vision.analyses import Analysis
from serving.vision.docs import DocDraft, Source, build_doc
from serving.vision.models import SearchDoc, SearchDuplicate, SearchIndexState, SearchTerm
from serving.vision.runtime import ImageSpace, VisionRuntime, image_collection, text_collection
from serving.vision.seeding import copy_branch, pick_donor
from serving.vision.sources import Pending, copy_text, read_pending
from serving.vision.vocabulary import Vocabulary, load_custom_tags
from serving.vision.writer import DocWriter

log = logging.getLogger(__name__)
Progress = Callable[[float, str], Awaitable[None]]
Checkpoint = Callable[[dict[str, Any]], Awaitable[None]]
EMBED_CHUNK = 64


@dataclass(frozen=True)
class Plan:
    """What one run does: move the index of ``branch`` from ``base`` to ``target`` (None: branch gone)."""

    base: str | None
    target: str | None
    changes: list[Change]
    stale: list[str]
    """Doc paths to drop that the diff does not name (a full reindex)."""
    seed_from: str | None = None
    """A new branch first copies this branch's index (then ``changes`` is the diff from its commit)."""


async def _noop_progress(fraction: float, message: str) -> None:
    return None


class BranchIndexer:
    """Indexes one brand's branch through the model gateway."""

    def __init__(self, runtime: VisionRuntime, gateway: ModelGateway, brand_id: str, branch: str) -> None:
        self.runtime = runtime
        self.gateway = gateway
        self.brand_id = brand_id
        self.branch = branch
        self.space: ImageSpace | None = None
        self.text_dim: int | None = None

    async def run(
        self,
        progress: Progress = _noop_progress,
        checkpoint: dict[str, Any] | None = None,
        save_checkpoint: Checkpoint | None = None,
        *,
        full: bool = False,
    ) -> dict[str, Any]:
        """Bring the index up to the branch head; returns counts for the job result."""
        plan = await asyncio.to_thread(self._plan, full)
        if plan.target is None:
            removed = await asyncio.to_thread(self.purge)
            return {"branch": self.branch, "removed": removed, "commit": None}
        done_after = ""
        if checkpoint and checkpoint.get("base") == plan.base and checkpoint.get("target") == plan.target:
            done_after = str(checkpoint.get("after", ""))
        if plan.seed_from is not None and not done_after:
            copied = await asyncio.to_thread(
                copy_branch, self.runtime, self.brand_id, plan.seed_from, self.branch
            )
            await progress(0.0, f"started from {copied} docs of {plan.seed_from}")
        todo = [c for c in plan.changes if c.path > done_after]
        vocabulary = await asyncio.to_thread(self._vocabulary)
        batch = self.runtime.settings.index_batch
        indexed = removed = 0
        for start in range(0, len(todo), batch):
            chunk = todo[start : start + batch]
            counts = await self._batch(chunk, vocabulary)
            indexed, removed = indexed + counts[0], removed + counts[1]
            if save_checkpoint is not None:
                await save_checkpoint({"base": plan.base, "target": plan.target, "after": chunk[-1].path})
            await progress(
                (start + len(chunk)) / max(len(todo), 1), f"{start + len(chunk)}/{len(todo)} changes"
            )
        if plan.stale:
            await asyncio.to_thread(self._write, [], plan.stale)
            removed += len(plan.stale)
        docs = await asyncio.to_thread(self._finish, plan)
        optimized = await asyncio.to_thread(self.runtime.maybe_optimize)
        return {
            "branch": self.branch,
            "commit": plan.target,
            "from_commit": plan.base,
            "indexed": indexed,
            "removed": removed,
            "docs": docs,
            "optimized": optimized,
        }

    # -- planning ----------------------------------------------------------------------------------
    def _plan(self, full: bool) -> Plan:
        with transaction(self.runtime.factory) as session:
            repo = self.runtime.assets.repository(session, self.brand_id)
            if self.branch not in {b.name for b in repo.branches()}:
                return Plan(None, None, [], [])
            head = repo.branch(self.branch).commit_id
            state = session.get(SearchIndexState, (self.brand_id, self.branch))
            base = state.commit_id if state is not None and not full else None
            if base == head:
                return Plan(base, head, [], [])
            donor = pick_donor(session, self.brand_id, self.branch) if base is None and not full else None
            if donor is not None and donor.commit_id is not None:
                return Plan(
                    donor.commit_id, head, repo.diff(donor.commit_id, head), [], seed_from=donor.branch
                )
            if base is not None:
                try:
                    return Plan(base, head, repo.diff(base, head), [])
                except AssetStoreError:
                    log.warning(
                        "search index of %s/%s: commit %s is gone, reindexing",
                        self.brand_id,
                        self.branch,
                        base,
                    )
            entries = list(repo.trees.iter_entries(session, repo.tree_at(repo.resolve(head))))
            present = {e.path for e in entries}
            indexed = session.scalars(
                select(SearchDoc.path).where(
                    SearchDoc.brand_id == self.brand_id, SearchDoc.branch == self.branch
                )
            )
            stale = sorted(p for p in indexed if p not in present)
            return Plan(base, head, [Change(e.path, None, e) for e in entries], stale)

    def _vocabulary(self) -> Vocabulary:
        with transaction(self.runtime.readers) as session:
            return Vocabulary(self.runtime.taxonomy(), load_custom_tags(session, self.brand_id))

    # -- one batch ---------------------------------------------------------------------------------
    async def _batch(self, changes: Sequence[Change], vocabulary: Vocabulary) -> tuple[int, int]:
        entries = [c.after for c in changes if c.after is not None]
        deleted = [c.path for c in changes if c.after is None]
        pending = await asyncio.to_thread(self._read, entries)
        found = await self._analyses(pending)
        texts = await asyncio.to_thread(self._copy_texts, pending)
        drafts = [
            build_doc(
                Source(
                    p.entry.path,
                    p.entry.blob,
                    p.entry.record,
                    p.entry.kind,
                    p.metadata,
                    texts.get(p.entry.blob),
                    found.get(p.entry.blob) if p.image_key else None,
                    p.compliance_status,
                ),
                vocabulary,
            )
            for p in pending
        ]
        await self._embed(drafts)
        await asyncio.to_thread(self._write, drafts, deleted)
        return len(drafts), len(deleted)

    def _read(self, entries: Sequence[Entry]) -> list[Pending]:
        with transaction(self.runtime.readers) as session:
            repo = self.runtime.assets.repository(session, self.brand_id)
            return read_pending(session, repo, entries)

    def _copy_texts(self, pending: Sequence[Pending]) -> dict[str, str]:
        objects = self.runtime.assets.objects
        out: dict[str, str] = {}
        for item in pending:
            if item.entry.kind == "copy" and item.entry.blob not in out:
                try:
                    out[item.entry.blob] = copy_text(objects.read_bytes(blob_key(item.entry.blob)))
                except (AssetStoreError, OSError) as exc:
                    log.warning("copy %s unreadable: %s", item.entry.path, exc)
        return out

    async def _analyses(self, pending: Sequence[Pending]) -> dict[str, Analysis]:
        """Cached analyses of the images (and video posters), analysing the ones not seen before."""
        keys = {p.entry.blob: p.image_key for p in pending if p.image_key}
        if not keys:
            return {}
        if self.space is None:
            self.space = await self.runtime.image_space(self.gateway)
        space, ocr = self.space, self.runtime.settings.ocr_on_index
        cached = await asyncio.to_thread(self._cached, list(keys), space.encoder)
        missing = [
            b for b in keys if b not in cached or (ocr and not cached[b].ocr and cached[b].error is None)
        ]
        if missing:
            datas = await asyncio.to_thread(self._bytes, [keys[b] for b in missing])
            results = await self.gateway.analyse_images(datas, ocr=ocr)
            fresh = [
                Analysis.from_result(blob, result, space.encoder, ocr)
                for blob, result in zip(missing, results, strict=True)
            ]
            await asyncio.to_thread(self._store, fresh)
            cached.update({a.blob: a for a in fresh})
        return cached

    def _cached(self, blobs: list[str], encoder: str) -> dict[str, Analysis]:
        with transaction(self.runtime.readers) as session:
            return analyses.load_cached(session, blobs, encoder)

    def _store(self, fresh: list[Analysis]) -> None:
        with transaction(self.runtime.factory) as session:
            analyses.store(session, fresh)

    def _bytes(self, keys: Sequence[str]) -> list[bytes]:
        out: list[bytes] = []
        for key in keys:
            try:
                out.append(self.runtime.assets.objects.read_bytes(key))
            except (AssetStoreError, OSError) as exc:  # analysed as an empty image: cached as unreadable
                log.warning("object %s unreadable: %s", key, exc)
                out.append(b"")
        return out

    async def _embed(self, drafts: Sequence[DocDraft]) -> None:
        wanted = [d for d in drafts if d.text_view.strip()]
        for start in range(0, len(wanted), EMBED_CHUNK):
            chunk = wanted[start : start + EMBED_CHUNK]
            vectors = await self.gateway.embed_texts([d.text_view for d in chunk])
            for draft, vector in zip(chunk, vectors, strict=True):
                if any(vector):
                    draft.text_vector = vector
                    self.text_dim = len(vector)

    def _write(self, drafts: Sequence[DocDraft], deleted: Sequence[str]) -> None:
        with transaction(self.runtime.factory) as session:
            DocWriter(self.runtime, self.brand_id, self.branch).write(session, drafts, deleted)

    # -- finishing ---------------------------------------------------------------------------------
    def _finish(self, plan: Plan) -> int:
        with transaction(self.runtime.factory) as session:
            state = session.get(SearchIndexState, (self.brand_id, self.branch))
            if state is None:
                state = SearchIndexState(brand_id=self.brand_id, branch=self.branch)
                session.add(state)
            state.commit_id = plan.target
            if self.space is not None:
                state.image_encoder = self.space.encoder
            if self.text_dim is not None:
                state.text_dim = self.text_dim
            count = (
                select(func.count())
                .select_from(SearchDoc)
                .where(SearchDoc.brand_id == self.brand_id, SearchDoc.branch == self.branch)
            )
            state.docs = int(session.scalar(count) or 0)
            return state.docs

    def purge(self) -> int:
        """Forget a branch: its docs, terms, duplicate pairs, vector points and state."""
        with transaction(self.runtime.factory) as session:
            where = (SearchDoc.brand_id == self.brand_id, SearchDoc.branch == self.branch)
            encoders = session.scalars(select(SearchDoc.encoder).where(*where).distinct()).all()
            dims = session.scalars(select(SearchDoc.text_dim).where(*where).distinct()).all()
            flt = VectorFilter(brand_id=self.brand_id, branch=self.branch)
            names = [image_collection(e) for e in encoders if e] + [text_collection(d) for d in dims if d]
            for name in names:
                try:
                    self.runtime.vectors.delete_where(name, flt)
                except ObjectNotFound:
                    pass
            doc_ids = select(SearchDoc.id).where(*where)
            removed = int(session.scalar(select(func.count()).select_from(SearchDoc).where(*where)) or 0)
            quiet = {"synchronize_session": False}
            session.execute(
                delete(SearchTerm).where(SearchTerm.doc_id.in_(doc_ids)).execution_options(**quiet)
            )
            session.execute(delete(SearchDoc).where(*where).execution_options(**quiet))
            session.execute(
                delete(SearchDuplicate)
                .where(SearchDuplicate.brand_id == self.brand_id, SearchDuplicate.branch == self.branch)
                .execution_options(**quiet)
            )
            state = session.get(SearchIndexState, (self.brand_id, self.branch))
            if state is not None:
                session.delete(state)
            return removed
