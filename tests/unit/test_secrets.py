"""API key minting and verification; scrypt password hashes."""

from __future__ import annotations

import re

import pytest

from serving.auth.secrets import (
    KEY_PREFIX,
    hash_password,
    hash_secret,
    mint_key,
    split_token,
    verify_password,
    verify_secret,
)

PEPPER = "unit-test-pepper"


def test_minted_key_splits_and_verifies() -> None:
    key = mint_key(PEPPER)
    assert re.fullmatch(rf"{KEY_PREFIX}_[0-9a-f]{{12}}_[A-Za-z0-9_-]{{43}}", key.token)
    parts = split_token(key.token)
    assert parts is not None
    prefix, secret = parts
    assert prefix == key.prefix
    assert key.token.endswith(secret)  # the secret may itself contain "_"
    assert secret not in key.secret_hash and len(key.secret_hash) == 64
    assert verify_secret(secret, key.secret_hash, PEPPER)
    assert key.secret_hash == hash_secret(secret, PEPPER)


def test_keys_are_unique() -> None:
    keys = [mint_key(PEPPER) for _ in range(50)]
    assert len({k.token for k in keys}) == 50
    assert len({k.prefix for k in keys}) == 50


def test_wrong_pepper_or_secret_fails() -> None:
    key = mint_key(PEPPER)
    _, secret = split_token(key.token) or ("", "")
    assert not verify_secret(secret, key.secret_hash, "another-pepper")
    assert not verify_secret(secret + "x", key.secret_hash, PEPPER)
    assert not verify_secret(secret, "", PEPPER)


def test_secret_with_underscores_is_kept_whole() -> None:
    assert split_token("atk_abc_se_cr_et") == ("abc", "se_cr_et")


@pytest.mark.parametrize(
    "token",
    ["", "atk", "atk_abc", "atk__secret", "atk_abc_", "xyz_abc_secret", "ATK_abc_secret", "atk_abc_sécret"],
)
def test_malformed_tokens_do_not_split(token: str) -> None:
    assert split_token(token) is None


def test_password_round_trip() -> None:
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("scrypt$16384$8$1$")
    assert len(stored.split("$")) == 6
    assert verify_password("correct horse battery staple", stored)
    assert not verify_password("correct horse battery stapler", stored)
    assert not verify_password("", stored)


def test_password_hashes_are_salted() -> None:
    first, second = hash_password("same"), hash_password("same")
    assert first != second
    assert verify_password("same", first) and verify_password("same", second)


def test_unicode_passwords() -> None:
    stored = hash_password("密码-пароль-🔑")
    assert verify_password("密码-пароль-🔑", stored)
    assert not verify_password("密码-пароль", stored)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plaintext",
        "bcrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA==",
        "scrypt$16384$8$1$c2FsdA==",
        "scrypt$abc$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA==",  # n not a number
        "scrypt$3$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA==",  # n not a power of two
        "scrypt$16384$8$1$!!notbase64!!$aGFzaA==",
        "scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA",  # bad padding
        "scrypt$1073741824$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA==",  # absurd cost
        "scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA==$extra",
    ],
)
def test_malformed_stored_hashes_match_nothing(stored: str) -> None:
    assert verify_password("anything", stored) is False
