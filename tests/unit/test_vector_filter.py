"""The backend-neutral helpers of the vector index: ids, filters, vector and payload checks, translations."""

from __future__ import annotations

import math
import uuid
from typing import Any

import numpy as np
import pytest
import qdrant_edge as qe

from asset_store.errors import InvalidAsset
from asset_store.vectors.edge import edge_filter
from asset_store.vectors.protocol import (
    ID_NAMESPACE,
    FieldMatch,
    VectorFilter,
    VectorPoint,
    check_collection_name,
    check_dim,
    check_payload,
    check_vector,
    filter_matches,
    point_uuid,
    prepare_points,
    to_hit,
)
from asset_store.vectors.qdrant_server import server_filter


def test_point_uuid_is_deterministic_uuid5() -> None:
    pid = "brandA/main/img/1.png"
    assert point_uuid(pid) == point_uuid(pid)
    assert point_uuid(pid) == str(uuid.uuid5(ID_NAMESPACE, pid))
    assert uuid.UUID(point_uuid(pid)).version == 5
    ids = ["brandA/main/img/1.png", "brandA/main/img/2.png", "brandB/main/img/1.png", "01HZX3Q7ABCDEF"]
    assert len({point_uuid(i) for i in ids}) == len(ids)


def test_point_uuid_rejects_empty_and_non_strings() -> None:
    for bad in ("", None, 3):
        with pytest.raises(InvalidAsset) as err:
            point_uuid(bad)  # type: ignore[arg-type]
        assert err.value.code == "invalid_vector_id"


def test_filter_matches_brand_first_and_in_order() -> None:
    flt = VectorFilter(
        "brandA",
        branch="main",
        kinds=("image", "video"),
        tags_all=("red", "logo"),
        tags_any=("summer", "winter"),
        extra={"locale": "fr", "channel": "web"},
    )
    assert filter_matches(flt) == [
        FieldMatch("brand_id", ("brandA",)),
        FieldMatch("branch", ("main",)),
        FieldMatch("kind", ("image", "video")),
        FieldMatch("tags", ("red",)),
        FieldMatch("tags", ("logo",)),
        FieldMatch("tags", ("summer", "winter")),
        FieldMatch("channel", ("web",)),
        FieldMatch("locale", ("fr",)),
    ]
    assert filter_matches(VectorFilter("brandA")) == [FieldMatch("brand_id", ("brandA",))]


def test_filter_normalises_lists_and_copies_extra() -> None:
    extra = {"locale": "fr"}
    flt = VectorFilter("brandA", kinds=["image"], tags_any=["x"], extra=extra)  # type: ignore[arg-type]
    extra["locale"] = "de"
    assert flt.kinds == ("image",) and flt.tags_any == ("x",)
    assert flt.extra == {"locale": "fr"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"brand_id": ""},
        {"brand_id": None},
        {"brand_id": "a", "kinds": ("",)},
        {"brand_id": "a", "tags_all": (3,)},
        {"brand_id": "a", "extra": {"_id": "x"}},
        {"brand_id": "a", "extra": {"k": 1}},
    ],
)
def test_filter_rejects_bad_values(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidAsset) as err:
        VectorFilter(**kwargs)
    assert err.value.code == "invalid_filter"


def test_check_vector_accepts_sequences_and_arrays() -> None:
    assert check_vector([1, 2, 3], 3) == [1.0, 2.0, 3.0]
    assert check_vector((0.5, 0.0), 2) == [0.5, 0.0]
    assert check_vector(np.array([1.0, -1.0]), 2) == [1.0, -1.0]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("vector", "code"),
    [
        ([1.0, 2.0], "vector_dim_mismatch"),
        ([[1.0, 2.0, 3.0]], "vector_dim_mismatch"),
        ([], "vector_dim_mismatch"),
        ([1.0, math.nan, 0.0], "invalid_vector"),
        ([1.0, -math.inf, 0.0], "invalid_vector"),
        ([1e300, 0.0, 0.0], "invalid_vector"),
        ([0.0, 0.0, 0.0], "invalid_vector"),
        (["x", 1.0, 2.0], "invalid_vector"),
        ([[1.0], [2.0, 3.0], 4.0], "invalid_vector"),
    ],
)
def test_check_vector_rejects(vector: Any, code: str) -> None:
    with pytest.raises(InvalidAsset) as err:
        check_vector(vector, 3)
    assert err.value.code == code


def test_check_names_and_dims() -> None:
    assert check_collection_name("asset_clip-v1.2") == "asset_clip-v1.2"
    for bad in ("", "../x", "a/b", "-x", ".x", "a..b", "x" * 64, "é"):
        with pytest.raises(InvalidAsset):
            check_collection_name(bad)
    assert check_dim(512) == 512
    for bad_dim in (0, -1, True, 2.0, 70000):
        with pytest.raises(InvalidAsset):
            check_dim(bad_dim)  # type: ignore[arg-type]


def test_check_payload_copies_and_adds_id() -> None:
    payload = {"brand_id": "a", "tags": ("x", "y"), "meta": {"w": 3}}
    data = check_payload("id-1", payload)  # type: ignore[arg-type]
    assert data == {"brand_id": "a", "tags": ["x", "y"], "meta": {"w": 3}, "_id": "id-1"}
    assert "_id" not in payload


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"brand_id": ""},
        {"brand_id": "a", "_id": "spoof"},
        {"brand_id": "a", "branch": 1},
        {"brand_id": "a", "kind": ["image"]},
        {"brand_id": "a", "tags": "red"},
        {"brand_id": "a", "tags": [1]},
        {"brand_id": "a", "when": object()},
        {"brand_id": "a", "score": math.nan},
    ],
)
def test_check_payload_rejects(payload: dict[str, Any]) -> None:
    with pytest.raises(InvalidAsset) as err:
        check_payload("id-1", payload)
    assert err.value.code == "invalid_payload"


def test_prepare_points_keeps_the_last_of_a_repeated_id() -> None:
    points = [
        VectorPoint("a", [1.0, 0.0], {"brand_id": "b", "kind": "old"}),
        VectorPoint("c", [0.0, 1.0], {"brand_id": "b"}),
        VectorPoint("a", [1.0, 1.0], {"brand_id": "b", "kind": "new"}),
    ]
    prepared = prepare_points(points, 2)
    assert [p.uuid for p in prepared] == [point_uuid("c"), point_uuid("a")]
    assert prepared[1].payload["kind"] == "new" and prepared[1].vector == [1.0, 1.0]


def test_to_hit_restores_the_caller_id() -> None:
    hit = to_hit(point_uuid("x"), {"_id": "x", "brand_id": "b"}, 0.5, [1.0, 0.0])
    assert (hit.id, hit.score, hit.payload, hit.vector) == ("x", 0.5, {"brand_id": "b"}, [1.0, 0.0])
    foreign = to_hit(42, None, math.nan)
    assert (foreign.id, foreign.score, foreign.payload, foreign.vector) == ("42", 0.0, {}, None)


def test_edge_filter_translation() -> None:
    flt = edge_filter(VectorFilter("brandA", kinds=("image", "video"), tags_all=("red",)))
    must = flt.must or []
    assert [c.key for c in must if isinstance(c, qe.FieldCondition)] == ["brand_id", "kind", "tags"]
    matches = [c.match for c in must if isinstance(c, qe.FieldCondition)]
    assert isinstance(matches[0], qe.MatchValue) and matches[0].value == "brandA"
    assert isinstance(matches[1], qe.MatchAny) and matches[1].value == ["image", "video"]
    assert isinstance(matches[2], qe.MatchValue) and matches[2].value == "red"
    assert not flt.should and not flt.must_not


def test_server_filter_translation() -> None:
    from qdrant_client import models

    flt = server_filter(VectorFilter("brandA", branch="main", tags_any=("x", "y")))
    assert flt.model_dump(exclude_none=True) == {
        "must": [
            {"key": "brand_id", "match": {"value": "brandA"}},
            {"key": "branch", "match": {"value": "main"}},
            {"key": "tags", "match": {"any": ["x", "y"]}},
        ]
    }
    assert isinstance(flt, models.Filter)
