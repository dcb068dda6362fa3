"""The one settings object: ATELIER_ environment, nesting with __, production guards, strictness."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from serving.settings import DEV_PEPPER, Settings

REAL_PEPPER = "a-real-secret-from-the-vault"
PG_URL = "postgresql+psycopg://atelier@db:5432/atelier"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No ATELIER_ variable from the surrounding shell leaks into these tests."""
    for name in list(os.environ):
        if name.startswith("ATELIER_"):
            monkeypatch.delenv(name)


def test_defaults() -> None:
    settings = Settings()
    assert settings.env == "development"
    assert settings.auth.key_pepper.get_secret_value() == DEV_PEPPER
    assert settings.jobs.workers == 2 and settings.jobs.max_attempts == 3
    assert settings.api.cors_origins == []


def test_environment_variables_with_prefix_and_nesting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_ENV", "test")
    monkeypatch.setenv("ATELIER_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("ATELIER_DATABASE__URL", PG_URL)
    monkeypatch.setenv("ATELIER_DATABASE__POOL_SIZE", "3")
    monkeypatch.setenv("ATELIER_JOBS__WORKERS", "0")
    monkeypatch.setenv("ATELIER_JOBS__POLL_SECONDS", "0.25")
    monkeypatch.setenv("ATELIER_API__CORS_ORIGINS", '["https://studio.example.com"]')
    monkeypatch.setenv("ATELIER_AUTH__KEY_PEPPER", REAL_PEPPER)
    settings = Settings()
    assert settings.env == "test"
    assert settings.log_level == "DEBUG"
    assert settings.database.url == PG_URL and settings.database_url == PG_URL
    assert settings.database.pool_size == 3
    assert settings.jobs.workers == 0 and settings.jobs.poll_seconds == 0.25
    assert settings.api.cors_origins == ["https://studio.example.com"]
    assert settings.auth.key_pepper.get_secret_value() == REAL_PEPPER


def test_secrets_are_not_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_AUTH__KEY_PEPPER", REAL_PEPPER)
    settings = Settings()
    assert REAL_PEPPER not in repr(settings)
    assert REAL_PEPPER not in str(settings.auth)


def test_production_refuses_the_placeholder_pepper(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_ENV", "production")
    monkeypatch.setenv("ATELIER_DATABASE__URL", PG_URL)
    with pytest.raises(ValidationError, match="ATELIER_AUTH__KEY_PEPPER"):
        Settings()


def test_production_refuses_a_missing_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_ENV", "production")
    monkeypatch.setenv("ATELIER_AUTH__KEY_PEPPER", REAL_PEPPER)
    with pytest.raises(ValidationError, match="ATELIER_DATABASE__URL"):
        Settings()


def test_production_with_real_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_ENV", "production")
    monkeypatch.setenv("ATELIER_AUTH__KEY_PEPPER", REAL_PEPPER)
    monkeypatch.setenv("ATELIER_DATABASE__URL", PG_URL)
    assert Settings().database_url == PG_URL


def test_placeholders_are_fine_outside_production() -> None:
    for env in ("development", "test"):
        assert Settings(env=env).database_url.startswith("sqlite:///")


def test_unknown_fields_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="databse"):
        Settings.model_validate({"databse": {"url": PG_URL}})
    with pytest.raises(ValidationError, match=r"jobs\.worker"):
        Settings.model_validate({"jobs": {"worker": 4}})
    monkeypatch.setenv("ATELIER_JOBS__BOGUS", "1")
    with pytest.raises(ValidationError, match=r"jobs\.bogus"):
        Settings()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"env": "staging"}, "env"),
        ({"jobs": {"workers": -1}}, "jobs.workers"),
        ({"jobs": {"lease_seconds": 0}}, "jobs.lease_seconds"),
        ({"api": {"port": 70000}}, "api.port"),
        ({"object_store": {"backend": "gcs"}}, "object_store.backend"),
    ],
)
def test_bad_values_name_the_field(values: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        Settings.model_validate(values)
    assert field in str(info.value)


def test_database_url_defaults_under_the_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "state"
    settings = Settings(data_dir=data_dir)
    assert settings.database_url == f"sqlite:///{(data_dir / 'atelier.db').resolve()}"
    assert not data_dir.exists()  # building settings does no I/O
    assert settings.ensure_data_dir() == data_dir.resolve()
    assert data_dir.is_dir()


def test_relative_data_dir_becomes_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ATELIER_DATA_DIR", "rel/var")
    url = Settings().database_url
    assert url == f"sqlite:///{tmp_path.resolve() / 'rel' / 'var' / 'atelier.db'}"
