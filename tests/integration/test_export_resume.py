"""A retried export attempt restores the video encodes an earlier attempt finished (real ffmpeg, local
object store) instead of encoding them again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from asset_store.objects.local import LocalObjectStore
from asset_store.objects.signing import UrlSigner
from asset_store.repo.repository import AssetVersion
from asset_store.repo.tree import Entry
from compliance_rules.placements import Placements
from pipelines.video.probe import probe_footage
from serving.exports import render as render_module
from serving.exports.plan import Work, plan_work
from serving.exports.render import Rendered, Renderer
from serving.exports.resume import EncodeStore, temp_prefix
from serving.exports.sources import SourceAsset
from tests.footage import shared_sample_footage

JOB = "JOB_RESUME"
PLACEMENTS = ["douyin.feed_video", "kuaishou.feed_video", "taobao.main_image"]


def _source(path: Path, blob: str, kind: str) -> SourceAsset:
    if kind == "video":
        info = probe_footage(path)
        width, height, duration = info.width, info.height, info.duration
    else:
        width, height, duration = 800, 800, None
    entry = Entry(path.name, blob, "r" * 64, kind, path.stat().st_size)
    return SourceAsset(
        version=AssetVersion(path.name, "c" * 64, entry, {"metadata": {}}),
        kind=kind,
        width=width,
        height=height,
        duration_s=duration,
        file=path,
        focus=None,
        title=None,
        caption=None,
        tags=(),
    )


@pytest.fixture
def works(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Work]:
    from PIL import Image

    samples = shared_sample_footage(tmp_path_factory, long_side=320)
    picture = tmp_path / "poster.png"
    Image.new("RGB", (800, 800), (200, 60, 40)).save(picture)
    sources = [
        _source(Path(samples.clip("scenes_b").path), "a" * 64, "video"),
        _source(picture, "b" * 64, "image"),
    ]
    planned, skipped = plan_work(JOB, sources, Placements.builtin().select(PLACEMENTS), "each")
    assert skipped == [] and len(planned) == 3
    return planned


def _objects(folder: Path) -> LocalObjectStore:
    objects = LocalObjectStore(folder / "store", UrlSigner(b"0" * 32, "http://unused"))
    objects.ensure_ready()
    return objects


def _render(works: list[Work], folder: Path, encodes: EncodeStore) -> list[Rendered]:
    tasks = Renderer(works, folder, x264_preset="ultrafast", cancelled=lambda: False, encodes=encodes).tasks()
    return [r for task in tasks for r in task()]


def _checkpoint(encodes: EncodeStore) -> dict[str, Any]:
    """The entries as the job's checkpoint stores them (JSON, through the database)."""
    loaded: dict[str, Any] = json.loads(json.dumps(encodes.entries))
    return loaded


def test_a_retried_attempt_restores_finished_encodes_and_encodes_what_is_missing(
    works: list[Work], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    objects = _objects(tmp_path)
    first = EncodeStore(objects, JOB, None)
    made = _render(works, tmp_path / "first", first)
    videos = [r for r in made if r.video is not None]
    assert len(videos) == 2 and not any(r.restored for r in made)
    encoded = {r.video.path for r in videos if r.video is not None}
    recorded = _checkpoint(first)
    assert len(recorded) == len(encoded)  # one kept encode per distinct video file, none for pictures
    kept = sorted(objects.list_keys(temp_prefix(JOB)))
    assert len(kept) == 2 * len(recorded) and all(k.endswith((".mp4", ".cover.jpg")) for k in kept)

    # The next attempt must not encode a video again: every video comes back from the kept files.
    def no_encoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("encoded again")

    monkeypatch.setattr(render_module, "render_video", no_encoding)
    second = EncodeStore(objects, JOB, recorded)
    again = _render(works, tmp_path / "second", second)
    assert second.restored == len(recorded)
    for before, after in zip(made, again, strict=True):
        assert after.work is before.work and after.error is None
        if before.video is None:
            assert after.image is not None and not after.restored
            continue
        assert after.video is not None and after.restored
        assert Path(after.video.path).read_bytes() == Path(before.video.path).read_bytes()
        assert Path(after.video.cover_path).is_file()
        assert after.video.model_dump(exclude={"path", "cover_path"}) == before.video.model_dump(
            exclude={"path", "cover_path"}
        )
        assert after.facts() == before.facts()

    # A kept file that has gone (or another source behind the same placement) is encoded again.
    monkeypatch.undo()
    for key in kept:
        objects.delete(key)
    third = EncodeStore(objects, JOB, recorded)
    fresh = _render(works, tmp_path / "third", third)
    assert third.restored == 0 and not any(r.restored for r in fresh)
    assert sum(1 for r in fresh if r.video is not None) == 2

    third.drop()
    assert list(objects.list_keys(temp_prefix(JOB))) == []


def test_an_unreadable_record_is_encoded_again(works: list[Work], tmp_path: Path) -> None:
    objects = _objects(tmp_path)
    first = EncodeStore(objects, JOB, None)
    _render(works, tmp_path / "first", first)
    broken = {digest: {"video_key": entry["video_key"]} for digest, entry in _checkpoint(first).items()}
    second = EncodeStore(objects, JOB, broken)
    again = _render(works, tmp_path / "second", second)
    assert second.restored == 0
    assert all(r.error is None for r in again) and sum(1 for r in again if r.video is not None) == 2
