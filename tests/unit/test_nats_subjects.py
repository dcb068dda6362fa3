"""NATS feed subjects: <prefix>.<brand or "global">.<type>, unsafe characters made safe; the feed settings
refuse prefixes and stream names NATS would reject, and a dedupe window shorter than a republish."""

from __future__ import annotations

import string

import pytest
from pydantic import ValidationError

from serving.nats_feed.settings import NatsFeedSettings
from serving.nats_feed.subjects import event_subject, stream_subjects, token

SAFE = set(string.ascii_letters + string.digits + "_-")


@pytest.mark.parametrize(
    ("brand_id", "event_type", "subject"),
    [
        ("brd_01HX", "review.brand_approved", "atelier.brd_01HX.review.brand_approved"),
        (None, "tenancy.brand_created", "atelier.global.tenancy.brand_created"),
        ("", "job.finished", "atelier.global.job.finished"),
        ("brd_1", "asset.tag added", "atelier.brd_1.asset.tag_added"),
        ("brd_1", "asset.*", "atelier.brd_1.asset._"),
        ("brd_1", "asset.>", "atelier.brd_1.asset._"),
        ("brd_1", "export.done>now*", "atelier.brd_1.export.done_now_"),
        ("brd_1", "review..x.", "atelier.brd_1.review._.x._"),
        ("brd.1", "a\tb\r\nc", "atelier.brd_1.a_b__c"),
        ("brd_1", "$JS.API", "atelier.brd_1._JS.API"),
        ("brd_1", "素材.已发布", "atelier.brd_1.__.___"),
        ("brd-1", "kebab-case.ok_9", "atelier.brd-1.kebab-case.ok_9"),
    ],
)
def test_event_subjects(brand_id: str | None, event_type: str, subject: str) -> None:
    assert event_subject("atelier", brand_id, event_type) == subject


def test_every_token_is_safe_and_never_empty() -> None:
    nasty = ["", ".", "..", " ", "*", ">", "a b", "\x00", "ü", "a.b", "%", "/"]
    for text in nasty:
        assert token(text) and set(token(text)) <= SAFE
    for brand in [None, *nasty]:
        for kind in nasty:
            tokens = event_subject("p", brand, kind).split(".")
            assert tokens[0] == "p" and all(tokens), (brand, kind)
            assert not {"*", ">"} & set(tokens)


def test_a_multi_token_prefix_and_the_stream_subjects() -> None:
    assert event_subject("acme.atelier", "brd_1", "job.finished") == "acme.atelier.brd_1.job.finished"
    assert stream_subjects("acme.atelier") == ["acme.atelier.>"]
    assert stream_subjects("atelier") == ["atelier.>"]


def test_settings_defaults_are_off_and_consistent() -> None:
    settings = NatsFeedSettings()
    assert not settings.enabled
    assert settings.stream == "ATELIER" and settings.subject_prefix == "atelier"
    assert settings.servers == ["nats://127.0.0.1:4222"]
    assert settings.duplicate_window_seconds > settings.lease_seconds


@pytest.mark.parametrize("prefix", ["", "atelier.", ".atelier", "a..b", "a.*", "a.>", "at elier", "ü"])
def test_settings_refuse_a_bad_subject_prefix(prefix: str) -> None:
    with pytest.raises(ValidationError, match="subject_prefix"):
        NatsFeedSettings(subject_prefix=prefix)


@pytest.mark.parametrize("stream", ["", "A.B", "A*", "A>", "A B", "a/b", "x" * 65])
def test_settings_refuse_a_bad_stream_name(stream: str) -> None:
    with pytest.raises(ValidationError, match="stream"):
        NatsFeedSettings(stream=stream)


def test_settings_refuse_a_dedupe_window_a_republish_could_outlast() -> None:
    with pytest.raises(ValidationError, match="duplicate_window_seconds must exceed"):
        NatsFeedSettings(duplicate_window_seconds=30, lease_seconds=30)
    with pytest.raises(ValidationError, match="duplicate_window_seconds must exceed"):
        NatsFeedSettings(duplicate_window_seconds=60, lease_seconds=5, backoff_max_seconds=60)
    with pytest.raises(ValidationError, match="max_age_hours"):
        NatsFeedSettings(duplicate_window_seconds=7200, max_age_hours=1)
    assert NatsFeedSettings(duplicate_window_seconds=36, lease_seconds=30).lease_seconds == 30
    assert NatsFeedSettings(duplicate_window_seconds=7200, max_age_hours=0).max_age_hours == 0
