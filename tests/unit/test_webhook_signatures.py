"""Webhook signatures (Stripe-style ``t=...,v1=...``): genuine deliveries pass, forgeries and replays fail;
endpoint secrets are derived from the pepper and a salt, and rotate with a grace period."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest

from asset_store.sql import utcnow
from serving.webhooks.models import WebhookSubscription
from serving.webhooks.secrets import derive_secret, signing_secrets
from serving.webhooks.verify import SignatureError, compute, signature_header, verify_signature

SECRET = "whsec_test-secret"
BODY = '{"id":"evt_1","type":"asset.created","data":{"tags":["咖啡"]}}'.encode()
NOW = 1_767_225_600


def headers(value: str, **extra: str) -> dict[str, str]:
    return {"Atelier-Signature": value, "Atelier-Event-Id": "evt_1", **extra}


def test_a_genuine_delivery_verifies_and_returns_its_timestamp() -> None:
    value = signature_header([SECRET], NOW, BODY)
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert value == f"t={NOW},v1={expected}"
    assert verify_signature(SECRET, headers(value), BODY, now=NOW + 10) == NOW
    assert verify_signature(SECRET, {"atelier-signature": value}, BODY, now=NOW) == NOW  # any header case


@pytest.mark.parametrize(
    ("secret", "body", "code"),
    [
        ("whsec_other", BODY, "bad_signature"),
        (SECRET, BODY.replace(b"asset.created", b"asset.deleted"), "bad_signature"),
        (SECRET, BODY + b" ", "bad_signature"),
    ],
)
def test_a_wrong_secret_or_a_changed_body_is_rejected(secret: str, body: bytes, code: str) -> None:
    value = signature_header([SECRET], NOW, BODY)
    with pytest.raises(SignatureError) as refused:
        verify_signature(secret, headers(value), body, now=NOW)
    assert refused.value.code == code


@pytest.mark.parametrize("offset", [301, -301, 86_400])
def test_a_replay_outside_the_tolerance_is_rejected(offset: int) -> None:
    value = signature_header([SECRET], NOW, BODY)
    with pytest.raises(SignatureError) as refused:
        verify_signature(SECRET, headers(value), BODY, tolerance_s=300, now=NOW + offset)
    assert refused.value.code == "stale_timestamp"
    assert (
        verify_signature(SECRET, headers(value), BODY, tolerance_s=abs(offset) + 1, now=NOW + offset) == NOW
    )


def test_the_timestamp_is_signed_so_refreshing_it_breaks_the_signature() -> None:
    old = signature_header([SECRET], NOW, BODY)
    forged = old.replace(f"t={NOW}", f"t={NOW + 3600}")
    with pytest.raises(SignatureError) as refused:
        verify_signature(SECRET, headers(forged), BODY, now=NOW + 3600)
    assert refused.value.code == "bad_signature"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, "missing_signature"),
        ("", "missing_signature"),
        ("v1=abc", "malformed_signature"),
        (f"t={NOW}", "malformed_signature"),
        (f"t=soon,v1={compute(SECRET, NOW, BODY)}", "malformed_signature"),
    ],
)
def test_missing_or_malformed_headers_are_rejected(value: str | None, code: str) -> None:
    given = {} if value is None else headers(value)
    with pytest.raises(SignatureError) as refused:
        verify_signature(SECRET, given, BODY, now=NOW)
    assert refused.value.code == code


def test_during_a_rotation_either_secret_verifies() -> None:
    value = signature_header(["whsec_new", "whsec_old"], NOW, BODY)
    assert value.count("v1=") == 2
    for secret in ("whsec_new", "whsec_old"):
        assert verify_signature(secret, headers(value), BODY, now=NOW) == NOW
    with pytest.raises(SignatureError):
        verify_signature("whsec_third", headers(value), BODY, now=NOW)


def test_secrets_are_derived_from_pepper_and_salt() -> None:
    one = derive_secret("pepper-a", "salt-1")
    assert one.startswith("whsec_") and len(one) > 40
    assert one == derive_secret("pepper-a", "salt-1")
    assert len({one, derive_secret("pepper-a", "salt-2"), derive_secret("pepper-b", "salt-1")}) == 3


def test_the_previous_secret_signs_only_until_it_expires() -> None:
    now = utcnow()
    sub = WebhookSubscription(
        secret_salt="new", previous_salt="old", previous_expires_at=now + timedelta(hours=1)
    )
    both = signing_secrets(sub, "pepper", now)
    assert both == [derive_secret("pepper", "new"), derive_secret("pepper", "old")]
    assert signing_secrets(sub, "pepper", now + timedelta(hours=2)) == [derive_secret("pepper", "new")]
    sub.previous_salt, sub.previous_expires_at = None, None
    assert signing_secrets(sub, "pepper", now) == [derive_secret("pepper", "new")]
