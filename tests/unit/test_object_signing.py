"""Signed, expiring tokens for the local backend's presigned URLs."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from asset_store.errors import InvalidAsset
from asset_store.objects.signing import (
    MAX_PRESIGN_EXPIRY,
    SignedGrant,
    UrlSigner,
    check_expiry,
    content_disposition,
)

SECRET = b"unit-test-secret-0123456789abcdef"
T0 = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def signer(clock: Clock) -> UrlSigner:
    return UrlSigner(SECRET, "https://atelier.example/", clock=clock)


def _code(call: object) -> str:
    assert callable(call)
    with pytest.raises(InvalidAsset) as error:
        call()
    return error.value.code


def test_round_trip_returns_the_grant(signer: UrlSigner) -> None:
    token = signer.sign(
        "brands/ü/logo.png", "get", timedelta(minutes=15), filename="Logo ü.png", content_type="image/png"
    )
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", token)  # URL-safe, no padding
    assert signer.verify(token, "GET") == SignedGrant(
        key="brands/ü/logo.png",
        method="GET",
        expires_at=T0 + timedelta(minutes=15),
        filename="Logo ü.png",
        content_type="image/png",
    )


def test_optional_fields_stay_none(signer: UrlSigner) -> None:
    grant = signer.verify(signer.sign("k", "PUT", timedelta(seconds=1)), "put")
    assert (grant.method, grant.filename, grant.content_type) == ("PUT", None, None)


def test_url_shape(signer: UrlSigner) -> None:
    assert signer.base_url == "https://atelier.example"
    assert signer.url("tok.en") == "https://atelier.example/v1/objects/signed/tok.en"


def test_expiry_is_enforced(signer: UrlSigner, clock: Clock) -> None:
    token = signer.sign("k", "GET", timedelta(seconds=30))
    clock.now = T0 + timedelta(seconds=29, microseconds=999_999)
    assert signer.verify(token, "GET").key == "k"
    clock.now = T0 + timedelta(seconds=30)
    assert _code(lambda: signer.verify(token, "GET")) == "signature_expired"


def test_fractional_expiry_rounds_up(signer: UrlSigner, clock: Clock) -> None:
    clock.now = T0 + timedelta(microseconds=500_000)
    grant = signer.verify(signer.sign("k", "GET", timedelta(milliseconds=1200)), "GET")
    assert grant.expires_at == T0 + timedelta(seconds=2)


def test_wrong_method_is_refused(signer: UrlSigner) -> None:
    token = signer.sign("k", "PUT", timedelta(minutes=1), content_type="text/plain")
    assert _code(lambda: signer.verify(token, "GET")) == "invalid_signature"


def test_tampered_payload_is_refused(signer: UrlSigner) -> None:
    token = signer.sign("mine/a.txt", "GET", timedelta(minutes=1))
    body, _, signature = token.partition(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["k"] = "theirs/b.txt"
    payload["e"] += 3600
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    assert _code(lambda: signer.verify(f"{forged}.{signature}", "GET")) == "invalid_signature"


def test_other_secret_is_refused(signer: UrlSigner, clock: Clock) -> None:
    token = UrlSigner(b"another-secret-0123456789", "https://x", clock=clock).sign(
        "k", "GET", timedelta(hours=1)
    )
    assert _code(lambda: signer.verify(token, "GET")) == "invalid_signature"


@pytest.mark.parametrize("token", ["", ".", "abc", "abc.", ".abc", "a.b.c", "é.é", "!!!.???", "e30.AAAA"])
def test_malformed_tokens_are_refused(signer: UrlSigner, token: str) -> None:
    assert _code(lambda: signer.verify(token, "GET")) == "invalid_signature"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"[]", "invalid_signature"),
        (b"not json", "invalid_signature"),
        (b'{"k": 1, "m": "GET", "e": 1}', "invalid_signature"),
        (b'{"k": "k", "m": "GET", "e": 9e9}', "invalid_signature"),
        (b'{"k": "k", "m": "GET", "e": 1000000000000000000000}', "invalid_signature"),
        (b'{"k": "k", "m": "GET", "e": 9999999999, "f": 3}', "invalid_signature"),
        (b'{"k": "../x", "m": "GET", "e": 9999999999}', "invalid_key"),
    ],
)
def test_signed_but_malformed_payload_is_refused(signer: UrlSigner, payload: bytes, code: str) -> None:
    body = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    token = f"{body}.{base64.urlsafe_b64encode(signer._mac(body)).rstrip(b'=').decode()}"
    assert _code(lambda: signer.verify(token, "GET")) == code


@pytest.mark.parametrize(
    "expires", [timedelta(0), timedelta(seconds=-1), MAX_PRESIGN_EXPIRY + timedelta(seconds=1)]
)
def test_expiry_bounds(signer: UrlSigner, expires: timedelta) -> None:
    assert _code(lambda: signer.sign("k", "GET", expires)) == "invalid_expiry"


def test_check_expiry_returns_whole_seconds() -> None:
    assert check_expiry(MAX_PRESIGN_EXPIRY) == 7 * 24 * 3600
    assert check_expiry(timedelta(milliseconds=1)) == 1
    assert check_expiry(timedelta(seconds=90.2)) == 91


def test_sign_validates_key_and_method(signer: UrlSigner) -> None:
    assert _code(lambda: signer.sign("../etc/passwd", "GET", timedelta(minutes=1))) == "invalid_key"
    with pytest.raises(ValueError, match="DELETE"):
        signer.sign("k", "DELETE", timedelta(minutes=1))
    with pytest.raises(ValueError, match="POST"):
        signer.verify(signer.sign("k", "GET", timedelta(minutes=1)), "POST")


def test_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        UrlSigner(b"short", "http://x")


def test_content_disposition_has_ascii_fallback_and_utf8_name() -> None:
    assert (
        content_disposition("report.pdf")
        == "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    )
    value = content_disposition('Été "final"\\.pdf')
    assert value.startswith('attachment; filename="_t_ _final__.pdf"; ')
    assert value.endswith("filename*=UTF-8''%C3%89t%C3%A9%20%22final%22%5C.pdf")
