"""The git-like repository on both databases: commits, branches, tags, log, diff, merge, revert, CAS."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from asset_store.errors import (
    InvalidAsset,
    MergeBlocked,
    MergeConflict,
    ObjectNotFound,
    RefConflict,
    RefNotFound,
)
from asset_store.models import Commit
from asset_store.repo.gate import GateRequest, GateViolation
from asset_store.repo.metadata import AssetMetadata, Tag
from asset_store.repo.repository import DeleteAsset, PutAsset
from tests.repohelpers import RepoWorld, grant_blobs


@pytest.fixture
def world(db_url: str) -> Iterator[RepoWorld]:
    w = RepoWorld(db_url)
    yield w
    w.close()


def _paths(world: RepoWorld, ref: str, **kw: Any) -> list[str]:
    with world.repo() as repo:
        return [e.path for e in repo.list_assets(ref, limit=10_000, **kw)[1]]


def _commit(
    world: RepoWorld, branch: str, puts: dict[str, str], deletes: tuple[str, ...] = (), **kw: Any
) -> str:
    shas = grant_blobs(world.factory, world.brand, list(puts.values()))
    changes: list[PutAsset | DeleteAsset] = [
        PutAsset(path, sha) for path, sha in zip(puts, shas, strict=True)
    ]
    changes += [DeleteAsset(p) for p in deletes]
    with world.repo() as repo:
        return repo.commit(branch, changes, author_id="usr_1", message=kw.pop("message", "change"), **kw).id


def test_new_repository_has_main_with_an_empty_root(world: RepoWorld) -> None:
    with world.repo() as repo:
        repo.ensure()  # idempotent
        (main,) = repo.branches()
        root = repo.resolve("main")
    assert main.name == "main" and root.parents == () and root.generation == 1
    assert _paths(world, "main") == []


def test_commit_many_then_read_list_and_log(world: RepoWorld) -> None:
    names = {f"campaign/618/img_{i:03}.png": f"bytes-{i}" for i in range(300)}
    names["copy/slogan.txt"] = "slogan"
    first = _commit(world, "main", names, message="first drop")
    assert _paths(world, "main") == sorted(names)
    assert _paths(world, "main", prefix="campaign/618/img_01") == [
        f"campaign/618/img_{i:03}.png" for i in range(10, 20)
    ]
    with world.repo() as repo:
        got = repo.get("main", "copy/slogan.txt")
        assert got.commit_id == first and got.entry.kind == "image" and got.content_type == "image/png"
        _, page, cursor = repo.list_assets("main", limit=100)
        assert len(page) == 100 and cursor == page[-1].path
        _, page2, _ = repo.list_assets("main", limit=100, after=cursor)
        assert page2[0].path > cursor
    second = _commit(world, "main", {"copy/slogan.txt": "slogan v2"}, deletes=("campaign/618/img_000.png",))
    with world.repo() as repo:
        log = repo.log("main")
        assert [c.id for c in log[:2]] == [second, first]
        assert repo.get(first, "campaign/618/img_000.png").entry.blob  # still readable at the old commit
        with pytest.raises(ObjectNotFound):
            repo.get("main", "campaign/618/img_000.png")
        diff = repo.diff(first, second)
    assert {(c.path, c.status) for c in diff} == {
        ("campaign/618/img_000.png", "deleted"),
        ("copy/slogan.txt", "modified"),
    }


def test_metadata_is_stored_and_changing_it_is_a_modification(world: RepoWorld) -> None:
    (sha,) = grant_blobs(world.factory, world.brand, ["poster"])
    meta = AssetMetadata(
        title="618 主视觉", tags=(Tag(name="口红", source="ai", score=0.92),), campaign="618"
    )
    with world.repo() as repo:
        c1 = repo.commit("main", [PutAsset("kv/main.png", sha, meta)], author_id=None, message="kv").id
        c2 = repo.commit(
            "main",
            [PutAsset("kv/main.png", sha, meta.model_copy(update={"campaign": "双11"}))],
            author_id=None,
            message="retag",
        ).id
        assert repo.get(c1, "kv/main.png").metadata["campaign"] == "618"
        assert repo.get("main", "kv/main.png").metadata["tags"][0] == {
            "name": "口红",
            "source": "ai",
            "score": 0.92,
        }
        assert [c.status for c in repo.diff(c1, c2)] == ["modified"]
        with pytest.raises(InvalidAsset) as same:
            repo.commit(
                "main",
                [PutAsset("kv/main.png", sha, meta.model_copy(update={"campaign": "双11"}))],
                author_id=None,
                message="noop",
            )
    assert same.value.code == "nothing_to_commit"


def test_branches_are_isolated_and_merge_fast_forwards(world: RepoWorld) -> None:
    base = _commit(world, "main", {"a.png": "a", "b.png": "b"})
    with world.repo() as repo:
        branch = repo.create_branch("campaign/double-11", "main", author_id="usr_1")
    assert branch.commit_id == base
    tip = _commit(world, "campaign/double-11", {"c.png": "c"})
    assert _paths(world, "main") == ["a.png", "b.png"]
    assert _paths(world, "campaign/double-11") == ["a.png", "b.png", "c.png"]
    with world.repo() as repo:
        result = repo.merge("campaign/double-11", "main", author_id="usr_2")
        assert result.outcome == "fast_forward" and result.commit.id == tip
        assert [c.path for c in result.changes] == ["c.png"]
        assert repo.merge("campaign/double-11", "main", author_id="usr_2").outcome == "up_to_date"


def test_three_way_merge_combines_both_sides(world: RepoWorld) -> None:
    _commit(world, "main", {"a.png": "a", "b.png": "b", "c.png": "c"})
    with world.repo() as repo:
        repo.create_branch("feature")
    _commit(world, "main", {"a.png": "a2"})
    _commit(world, "feature", {"b.png": "b2", "d.png": "d"}, deletes=("c.png",))
    with world.repo() as repo:
        result = repo.merge("feature", "main", author_id="usr_1")
        assert result.outcome == "merge" and len(result.commit.parents) == 2
        assert {(c.path, c.status) for c in result.changes} == {
            ("b.png", "modified"),
            ("c.png", "deleted"),
            ("d.png", "added"),
        }
        blobs = {e.path: e.blob for e in repo.list_assets("main")[1]}
    assert set(blobs) == {"a.png", "b.png", "d.png"}
    assert blobs["a.png"] == grant_blobs(world.factory, world.brand, ["a2"])[0]


def test_conflicts_are_reported_not_guessed(world: RepoWorld) -> None:
    _commit(world, "main", {"a.png": "a", "b.png": "b"})
    with world.repo() as repo:
        repo.create_branch("feature")
    _commit(world, "main", {"a.png": "main-version"})
    _commit(world, "feature", {"a.png": "feature-version", "z.png": "z"})
    with world.repo() as repo:
        head = repo.resolve("main").id
        with pytest.raises(MergeConflict) as err:
            repo.merge("feature", "main", author_id="usr_1")
    conflict = err.value.details["conflicts"][0]
    assert err.value.details["count"] == 1 and conflict["path"] == "a.png"
    assert conflict["ours"]["blob"] != conflict["theirs"]["blob"]
    with world.repo() as repo:
        assert repo.resolve("main").id == head  # nothing half-merged
        assert "z.png" not in {e.path for e in repo.list_assets("main")[1]}


class BlockPaths:
    def __init__(self, blocked: set[str]) -> None:
        self.blocked = blocked
        self.seen: list[GateRequest] = []

    def check(self, session: Any, request: GateRequest) -> list[GateViolation]:
        self.seen.append(request)
        return [
            GateViolation(c.path, "not_approved", "needs brand approval")
            for c in request.changes
            if c.path in self.blocked
        ]


def test_pre_merge_gate_blocks_and_leaves_target_untouched(world: RepoWorld) -> None:
    _commit(world, "main", {"a.png": "a"})
    with world.repo() as repo:
        repo.create_branch("feature")
    _commit(world, "feature", {"bad.png": "bad", "ok.png": "ok"})
    gate = BlockPaths({"bad.png"})
    with world.repo(gate=gate) as repo:
        head = repo.resolve("main").id
        with pytest.raises(MergeBlocked) as err:
            repo.merge("feature", "main", author_id="usr_1")
    assert err.value.details["violations"] == [
        {"path": "bad.png", "code": "not_approved", "message": "needs brand approval"}
    ]
    assert {c.path for c in gate.seen[0].changes} == {"bad.png", "ok.png"}
    assert all(body["kind"] == "image" for body in gate.seen[0].records.values())
    with world.repo() as repo:
        assert repo.resolve("main").id == head


def test_revert_undoes_one_commit_and_reports_later_edits(world: RepoWorld) -> None:
    _commit(world, "main", {"a.png": "a", "b.png": "b"})
    bad = _commit(world, "main", {"a.png": "a-broken", "c.png": "c"}, message="broken drop")
    _commit(world, "main", {"d.png": "d"})
    with world.repo() as repo:
        revert = repo.revert("main", bad, author_id="usr_1")
        assert revert.message == 'Revert "broken drop"' and revert.meta == {"reverts": bad}
        assert repo.diff(bad, revert.id)  # something changed
    assert _paths(world, "main") == ["a.png", "b.png", "d.png"]
    with world.repo() as repo, pytest.raises(InvalidAsset) as again:
        repo.revert("main", bad, author_id="usr_1")
    assert again.value.code == "nothing_to_commit"  # already undone
    a_now = _commit(world, "main", {"a.png": "a-edited"})
    with world.repo() as repo:
        with pytest.raises(MergeConflict) as edited:
            repo.revert("main", bad, author_id="usr_1")
        assert [c["path"] for c in edited.value.details["conflicts"]] == ["a.png"]
        assert repo.resolve("main").id == a_now


def test_tags_are_immutable_release_names(world: RepoWorld) -> None:
    release = _commit(world, "main", {"a.png": "a"})
    with world.repo() as repo:
        tag = repo.create_tag("release/2026-618", "main", author_id="usr_1", message="618 launch")
        assert tag.commit_id == release
        with pytest.raises(RefConflict) as dup:
            repo.create_tag("release/2026-618", "main")
        assert dup.value.code == "ref_exists"
        with pytest.raises(RefConflict):
            repo.create_branch("release/2026-618")
    _commit(world, "main", {"b.png": "b"})
    assert _paths(world, "release/2026-618") == ["a.png"]
    with world.repo() as repo:
        assert repo.resolve(release[:10]).id == release
        repo.delete_tag("release/2026-618")
        assert [t.name for t in repo.tags()] == []


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("../etc/passwd", "invalid_path"),
        ("/abs.png", "invalid_path"),
        ("a//b.png", "invalid_path"),
        ("a/./b.png", "invalid_path"),
        ("dir/", "invalid_path"),
        ("a\\b.png", "invalid_path"),
        ("bad\x00name.png", "invalid_path"),
    ],
)
def test_bad_paths_are_refused_and_nothing_is_committed(world: RepoWorld, path: str, code: str) -> None:
    (sha,) = grant_blobs(world.factory, world.brand, ["x"])
    with world.repo() as repo:
        head = repo.resolve("main").id
    with pytest.raises(InvalidAsset) as err, world.repo() as repo:
        repo.commit("main", [PutAsset("ok.png", sha), PutAsset(path, sha)], author_id=None, message="m")
    assert err.value.code == code
    with world.repo() as repo:
        assert repo.resolve("main").id == head
        assert repo.session.scalar(select(func.count()).select_from(Commit)) == 1


def test_bad_refs_and_changes(world: RepoWorld) -> None:
    (sha,) = grant_blobs(world.factory, world.brand, ["x"])
    (foreign,) = grant_blobs(world.factory, world.other, ["belongs to beta"])
    with world.repo() as repo:
        with pytest.raises(RefNotFound):
            repo.resolve("nope")
        with pytest.raises(RefNotFound):
            repo.commit("nope", [PutAsset("a.png", sha)], author_id=None, message="m")
        with pytest.raises(InvalidAsset) as dup:
            repo.commit("main", [PutAsset("a.png", sha), DeleteAsset("a.png")], author_id=None, message="m")
        assert dup.value.code == "duplicate_path"
        with pytest.raises(InvalidAsset) as stolen:
            repo.commit("main", [PutAsset("a.png", foreign)], author_id=None, message="m")
        assert stolen.value.code == "blob_not_found"
        with pytest.raises(ObjectNotFound):
            repo.commit("main", [DeleteAsset("missing.png")], author_id=None, message="m")
        for name in ("", "a..b", "-x", "x/", "x.lock", "deadbeefcafe", "a b"):
            with pytest.raises(InvalidAsset):
                repo.create_branch(name)
        with pytest.raises(RefConflict) as protected:
            repo.delete_branch("main")
        assert protected.value.code == "protected_branch"


def test_brands_do_not_see_each_others_commits(world: RepoWorld) -> None:
    commit = _commit(world, "main", {"a.png": "a"})
    with world.repo(world.other) as repo:
        repo.ensure()
        with pytest.raises(RefNotFound):
            repo.resolve(commit)
        assert repo.list_assets("main")[1] == []


def test_stale_expected_head_is_a_conflict(world: RepoWorld) -> None:
    first = _commit(world, "main", {"a.png": "a"})
    _commit(world, "main", {"b.png": "b"})
    (sha,) = grant_blobs(world.factory, world.brand, ["c"])
    with pytest.raises(RefConflict) as err, world.repo() as repo:
        repo.commit("main", [PutAsset("c.png", sha)], author_id=None, message="m", expected_head=first)
    assert err.value.code == "ref_moved" and err.value.details["expected"] == first


def test_concurrent_commits_never_lose_an_update(world: RepoWorld) -> None:
    """Writers that read the same head race; exactly one wins each round, the other retries."""
    shas = grant_blobs(world.factory, world.brand, [f"w{i}" for i in range(20)])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def writer(offset: int) -> None:
        for i in range(offset, 20, 2):
            while True:
                with world.repo() as repo:
                    head = repo.resolve("main").id
                try:
                    barrier.wait(timeout=10)
                except threading.BrokenBarrierError:
                    pass
                try:
                    with world.repo() as repo:
                        repo.commit(
                            "main",
                            [PutAsset(f"w{i}.png", shas[i])],
                            author_id=None,
                            message=f"w{i}",
                            expected_head=head,
                        )
                    with lock:
                        outcomes.append("ok")
                    break
                except RefConflict:
                    with lock:
                        outcomes.append("conflict")

    threads = [threading.Thread(target=writer, args=(n,)) for n in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    barrier.abort()
    assert outcomes.count("ok") == 20 and outcomes.count("conflict") >= 1
    assert _paths(world, "main") == sorted(f"w{i}.png" for i in range(20))
    with world.repo() as repo:
        assert len(repo.log("main", limit=100)) == 21  # every commit is in the history


def test_repeated_merges_find_the_latest_merge_base(world: RepoWorld) -> None:
    """Merge a long-lived branch into main again and again: only the new changes merge, no false conflicts."""
    _commit(world, "main", {"shared.png": "v0"})
    with world.repo() as repo:
        repo.create_branch("long-lived")
    for round_ in range(3):
        _commit(world, "long-lived", {"shared.png": f"v{round_ + 1}", f"b{round_}.png": "b"})
        _commit(world, "main", {f"m{round_}.png": "m"})
        with world.repo() as repo:
            result = repo.merge("long-lived", "main", author_id="usr_1")
            assert result.outcome == "merge"
            assert {c.path for c in result.changes} == {"shared.png", f"b{round_}.png"}
            base_check = repo.merge("main", "long-lived", author_id="usr_1")  # bring main back: fast-forward
            assert base_check.outcome == "fast_forward"
    assert _paths(world, "main") == sorted(
        ["shared.png", "b0.png", "b1.png", "b2.png", "m0.png", "m1.png", "m2.png"]
    )
