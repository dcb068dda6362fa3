"""One contract for every ``VectorIndex``: qdrant-edge on disk and qdrant-client's in-memory local mode."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from asset_store.errors import InvalidAsset, ObjectNotFound, StorageUnavailable
from asset_store.vectors import (
    EdgeVectorIndex,
    QdrantServerIndex,
    VectorFilter,
    VectorIndex,
    VectorPoint,
    open_vector_index,
)

DIM = 8
Factory = Callable[[], VectorIndex]


def _unit(*hot: float) -> list[float]:
    """A DIM-d vector with the given leading components."""
    return [*hot, *([0.0] * (DIM - len(hot)))]


def _point(pid: str, vector: list[float], brand: str = "brandA", **payload: object) -> VectorPoint:
    return VectorPoint(pid, vector, {"brand_id": brand, **payload})  # type: ignore[dict-item]


@pytest.fixture(params=["edge", "qdrant-client"])
def make_index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Factory]:
    """A factory of indexes over the same storage (the same path for edge), closed at teardown."""
    opened: list[VectorIndex] = []

    def factory() -> VectorIndex:
        index: VectorIndex
        if request.param == "edge":
            index = EdgeVectorIndex(tmp_path / "vectors")
        else:
            index = QdrantServerIndex(location=":memory:")
        opened.append(index)
        return index

    yield factory
    for index in opened:
        try:
            index.close()
        except StorageUnavailable:
            pass


@pytest.fixture
def index(make_index: Factory) -> VectorIndex:
    idx = make_index()
    idx.ensure_collection("assets", DIM)
    return idx


def test_backends_satisfy_protocol(index: VectorIndex) -> None:
    assert isinstance(index, VectorIndex)


def test_ensure_collection_is_idempotent_and_checks_dim(index: VectorIndex) -> None:
    index.upsert("assets", [_point("a", _unit(1))])
    index.ensure_collection("assets", DIM)
    assert index.count("assets") == 1
    with pytest.raises(InvalidAsset) as err:
        index.ensure_collection("assets", DIM + 1)
    assert err.value.code == "vector_dim_mismatch"
    index.ensure_collection("other", 3)
    assert index.count("other") == 0


def test_bad_collection_names_and_unknown_collections(index: VectorIndex) -> None:
    for bad in ("../escape", "a/b", "", ".hidden"):
        with pytest.raises(InvalidAsset) as err:
            index.ensure_collection(bad, DIM)
        assert err.value.code == "invalid_collection_name"
    with pytest.raises(ObjectNotFound):
        index.count("never_created")
    with pytest.raises(ObjectNotFound):
        index.search("never_created", _unit(1), filter=VectorFilter("brandA"))


def test_search_returns_nearest_first_with_string_ids_and_payload(index: VectorIndex) -> None:
    index.upsert(
        "assets",
        [
            _point("brandA/main/img/1.png", _unit(1, 0), kind="image", tags=["red"], width=640),
            _point("brandA/main/img/2.png", _unit(1, 1), kind="image"),
            _point("01HZX3Q7ABCDEF", _unit(0, 1), kind="copy"),
            _point("opposite", _unit(-1, 0)),
        ],
    )
    hits = index.search("assets", _unit(2, 0.1), filter=VectorFilter("brandA"), limit=3)
    assert [h.id for h in hits] == ["brandA/main/img/1.png", "brandA/main/img/2.png", "01HZX3Q7ABCDEF"]
    assert hits[0].payload == {"brand_id": "brandA", "kind": "image", "tags": ["red"], "width": 640}
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert hits[0].score == pytest.approx(2 / math.hypot(2, 0.1), abs=1e-5)  # cosine, not distance
    assert hits[1].score == pytest.approx(2.1 / (math.sqrt(2) * math.hypot(2, 0.1)), abs=1e-5)
    everything = index.search("assets", _unit(1), filter=VectorFilter("brandA"), limit=10)
    assert everything[-1].id == "opposite"
    assert everything[-1].score == pytest.approx(-1.0, abs=1e-5)


def test_brand_isolation(index: VectorIndex) -> None:
    index.upsert(
        "assets",
        [
            _point("b-exact", _unit(1, 0, 0), brand="brandB"),
            _point("a-far", _unit(0, 0, 1), brand="brandA"),
            _point("ab-prefix", _unit(1, 0, 0), brand="brandAB"),
        ],
    )
    hits = index.search("assets", _unit(1, 0, 0), filter=VectorFilter("brandA"), limit=100)
    assert [h.id for h in hits] == ["a-far"]
    assert index.search("assets", _unit(1), filter=VectorFilter("nobody")) == []
    assert index.count("assets", VectorFilter("brandB")) == 1


def _filter_fixture(index: VectorIndex) -> None:
    index.upsert(
        "assets",
        [
            _point("p1", _unit(1, 0.1), branch="main", kind="image", tags=["red", "logo"]),
            _point("p2", _unit(1, 0.2), branch="main", kind="video", tags=["red"]),
            _point("p3", _unit(1, 0.3), branch="draft", kind="image", tags=["blue", "logo"]),
            _point("p4", _unit(1, 0.4), branch="main", kind="copy"),
            _point("p5", _unit(1, 0.5), brand="brandB", branch="main", kind="image", tags=["red", "logo"]),
        ],
    )


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (VectorFilter("brandA"), ["p1", "p2", "p3", "p4"]),
        (VectorFilter("brandA", branch="main"), ["p1", "p2", "p4"]),
        (VectorFilter("brandA", kinds=("image",)), ["p1", "p3"]),
        (VectorFilter("brandA", kinds=("image", "video")), ["p1", "p2", "p3"]),
        (VectorFilter("brandA", tags_all=("red", "logo")), ["p1"]),
        (VectorFilter("brandA", tags_any=("red", "blue")), ["p1", "p2", "p3"]),
        (VectorFilter("brandA", branch="main", kinds=("image",), tags_any=("logo",)), ["p1"]),
        (VectorFilter("brandA", tags_all=("logo",), tags_any=("blue",)), ["p3"]),
        (VectorFilter("brandA", branch="feature"), []),
        (VectorFilter("brandA", extra={"kind": "copy"}), ["p4"]),
    ],
)
def test_filters(index: VectorIndex, flt: VectorFilter, expected: list[str]) -> None:
    _filter_fixture(index)
    hits = index.search("assets", _unit(1), filter=flt, limit=10)
    assert [h.id for h in hits] == expected
    assert index.count("assets", flt) == len(expected)


def test_upsert_same_id_replaces(index: VectorIndex) -> None:
    index.upsert("assets", [_point("x", _unit(1, 0), kind="image"), _point("y", _unit(0, 1))])
    index.upsert("assets", [_point("x", _unit(0, 0, 1), kind="video", tags=["new"])])
    assert index.count("assets") == 2
    hit = index.get("assets", "x")
    assert hit is not None
    assert hit.payload == {"brand_id": "brandA", "kind": "video", "tags": ["new"]}
    assert index.search("assets", _unit(0, 0, 1), filter=VectorFilter("brandA"), limit=1)[0].id == "x"
    index.upsert("assets", [_point("z", _unit(1)), _point("z", _unit(0, 1), kind="last")])
    assert index.count("assets") == 3
    z = index.get("assets", "z")
    assert z is not None and z.payload["kind"] == "last"


def test_get_returns_unit_vector_or_none(index: VectorIndex) -> None:
    index.upsert("assets", [_point("g", _unit(3, 4), kind="image")])
    hit = index.get("assets", "g")
    assert hit is not None and hit.id == "g"
    assert hit.vector == pytest.approx(_unit(0.6, 0.8), abs=1e-6)
    assert index.get("assets", "missing") is None


def test_delete_and_delete_where(index: VectorIndex) -> None:
    _filter_fixture(index)
    index.delete("assets", ["p1", "never-there"])
    index.delete("assets", [])
    assert index.count("assets") == 4
    assert index.get("assets", "p1") is None
    assert "p1" not in [h.id for h in index.search("assets", _unit(1), filter=VectorFilter("brandA"))]
    assert index.delete_where("assets", VectorFilter("brandA", branch="main")) == 2
    assert index.delete_where("assets", VectorFilter("brandA", branch="main")) == 0
    assert [h.id for h in index.search("assets", _unit(1), filter=VectorFilter("brandA"))] == ["p3"]
    assert index.count("assets", VectorFilter("brandB")) == 1


def test_count_with_and_without_filter(index: VectorIndex) -> None:
    assert index.count("assets") == 0
    _filter_fixture(index)
    assert index.count("assets") == 5
    assert index.count("assets", None) == 5
    assert index.count("assets", VectorFilter("brandA")) == 4
    assert index.count("assets", VectorFilter("brandA", kinds=("image",), branch="draft")) == 1


@pytest.mark.parametrize(
    ("vector", "code"),
    [
        ([1.0, 2.0, 3.0], "vector_dim_mismatch"),
        (_unit(1) + [0.0], "vector_dim_mismatch"),
        ([[1.0] * DIM], "vector_dim_mismatch"),
        (_unit(1, math.nan), "invalid_vector"),
        (_unit(math.inf), "invalid_vector"),
        (_unit(1e39), "invalid_vector"),  # finite in float64, inf in float32
        (_unit(), "invalid_vector"),
        (["a"] * DIM, "invalid_vector"),
    ],
)
def test_invalid_vectors_write_nothing(index: VectorIndex, vector: list[float], code: str) -> None:
    with pytest.raises(InvalidAsset) as err:
        index.upsert("assets", [_point("good", _unit(1)), _point("bad", vector)])
    assert err.value.code == code
    assert index.count("assets") == 0
    with pytest.raises(InvalidAsset) as err:
        index.search("assets", vector, filter=VectorFilter("brandA"))
    assert err.value.code == code


@pytest.mark.parametrize(
    "payload",
    [{}, {"brand_id": ""}, {"brand_id": "a", "_id": "x"}, {"brand_id": "a", "tags": "red"}, {"brand_id": 3}],
)
def test_invalid_payloads_write_nothing(index: VectorIndex, payload: dict[str, object]) -> None:
    with pytest.raises(InvalidAsset) as err:
        index.upsert("assets", [_point("good", _unit(1)), VectorPoint("bad", _unit(1), payload)])  # type: ignore[arg-type]
    assert err.value.code == "invalid_payload"
    assert index.count("assets") == 0


def test_invalid_limit(index: VectorIndex) -> None:
    with pytest.raises(InvalidAsset) as err:
        index.search("assets", _unit(1), filter=VectorFilter("brandA"), limit=0)
    assert err.value.code == "invalid_limit"


def test_top1_of_a_stored_vector_is_itself(make_index: Factory) -> None:
    index = make_index()
    index.ensure_collection("random", 32)
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((300, 32)).astype(np.float32)
    points = [
        VectorPoint(f"brandA/main/img/{i}.png", row.tolist(), {"brand_id": "brandA", "kind": "image"})
        for i, row in enumerate(vectors)
    ]
    index.upsert("random", points)
    assert index.count("random") == 300
    flt = VectorFilter("brandA")
    for i in range(0, 300, 3):
        hits = index.search("random", vectors[i], filter=flt, limit=3)
        assert hits[0].id == f"brandA/main/img/{i}.png"
        assert hits[0].score == pytest.approx(1.0, abs=1e-5)
        assert hits[0].score > hits[1].score


def test_edge_persists_across_reopen(tmp_path: Path) -> None:
    first = EdgeVectorIndex(tmp_path / "vectors")
    first.ensure_collection("assets", DIM)
    first.upsert("assets", [_point("kept", _unit(1, 0), kind="image"), _point("other", _unit(0, 1))])
    first.close()
    with pytest.raises(StorageUnavailable):
        first.count("assets")

    again = EdgeVectorIndex(tmp_path / "vectors")
    try:
        assert again.count("assets") == 2  # found on disk without ensure_collection
        hits = again.search("assets", _unit(1, 0.1), filter=VectorFilter("brandA", kinds=("image",)))
        assert [h.id for h in hits] == ["kept"]
        with pytest.raises(InvalidAsset) as err:
            again.ensure_collection("assets", DIM * 2)
        assert err.value.code == "vector_dim_mismatch"
        again.ensure_collection("assets", DIM)
        again.upsert("assets", [_point("later", _unit(0, 0, 1))])
        assert again.optimize("assets") in (True, False)
        assert again.count("assets") == 3
    finally:
        again.close()
    assert sorted(p.name for p in (tmp_path / "vectors").iterdir()) == ["assets"]


def test_edge_is_safe_across_threads(tmp_path: Path) -> None:
    index = EdgeVectorIndex(tmp_path / "vectors")
    index.ensure_collection("assets", DIM)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(25):
                index.upsert("assets", [_point(f"w{worker}/{i}", _unit(1, worker, i), brand=f"b{worker}")])
                index.search("assets", _unit(1, worker), filter=VectorFilter(f"b{worker}"), limit=5)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert index.count("assets") == 150
        assert all(index.count("assets", VectorFilter(f"b{w}")) == 25 for w in range(6))
    finally:
        index.close()


def test_factory_picks_backend(tmp_path: Path) -> None:
    embedded = open_vector_index(None, None, tmp_path)
    assert isinstance(embedded, EdgeVectorIndex) and embedded.path == tmp_path / "vectors"
    embedded.close()
    server = open_vector_index("https://127.0.0.1:9", "secret", tmp_path)
    assert isinstance(server, QdrantServerIndex)
    server.close()


def test_unreachable_server_is_storage_unavailable() -> None:
    index = QdrantServerIndex("http://127.0.0.1:9")  # discard port: connection refused at once
    try:
        with pytest.raises(StorageUnavailable) as err:
            index.ensure_collection("assets", DIM)
        assert err.value.details["backend"] == "qdrant"
    finally:
        index.close()
