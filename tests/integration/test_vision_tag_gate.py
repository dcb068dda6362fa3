"""The review gate on main lets a tag edit of a published asset through (same bytes, same metadata but for
the tags), and still refuses every other unreviewed change."""

from __future__ import annotations

import pytest

from asset_store.errors import MergeBlocked
from asset_store.repo.metadata import AssetMetadata, Tag
from asset_store.repo.repository import PutAsset
from serving.reviews.gate import ReviewGate
from serving.vision.tags import edit_tags
from tests.repohelpers import RepoWorld, grant_blobs


def test_tag_edits_pass_the_review_gate_other_changes_do_not(sqlite_url: str) -> None:
    world = RepoWorld(sqlite_url)
    try:
        sha, other = grant_blobs(world.factory, world.brand, ["kv", "other"])
        published = AssetMetadata(title="KV", tags=(Tag(name="summer"),))
        with world.repo() as repo:  # published before the gate (or approved: the gate does not look)
            repo.commit("main", [PutAsset("kv.png", sha, published)], author_id="t", message="publish")
        gate = ReviewGate()
        tagged = edit_tags(published, add=["促销"], remove=["summer"])
        with world.repo(gate=gate) as repo:
            repo.commit("main", [PutAsset("kv.png", sha, tagged)], author_id="t", message="tags")
        for change in (
            PutAsset("kv.png", sha, tagged.model_copy(update={"title": "KV 2"})),  # more than tags
            PutAsset("kv.png", other, tagged),  # other bytes
            PutAsset("new.png", sha, tagged),  # not on main yet
        ):
            with pytest.raises(MergeBlocked) as blocked, world.repo(gate=gate) as repo:
                repo.commit("main", [change], author_id="t", message="sneak")
            assert blocked.value.details["violations"][0]["code"] == "not_reviewed"
    finally:
        world.close()
