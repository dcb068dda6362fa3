"""`atelier demo seed` gives the studio four users who log in with one password, each with their role."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from serving.db import make_engine, make_session_factory, transaction
from serving.seed import DEMO_PASSWORD_FILE, seed_demo
from serving.settings import Settings


def _seed(settings: Settings):  # type: ignore[no-untyped-def]
    with transaction(make_session_factory(make_engine(settings.database_url))) as session:
        return seed_demo(session, settings)


def test_seeded_users_log_in_with_their_roles(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ATELIER_DEMO_PASSWORD", raising=False)
    first = _seed(settings)
    again = _seed(settings)
    assert again.password == first.password  # kept in the data dir, not regenerated
    assert (settings.data_dir / DEMO_PASSWORD_FILE).read_text().strip() == first.password
    roles = dict(first.logins)
    assert set(roles.values()) == {"brand_admin", "creative", "agency_reviewer", "brand_reviewer"}
    for email, role in first.logins:
        login = client.post("/v1/auth/sessions", json={"email": email, "password": first.password})
        assert login.status_code == 201, login.text
        me = client.get("/v1/me", headers={"Authorization": f"Bearer {login.json()['token']}"}).json()
        assert [grant["role"] for grant in me["grants"]] == [role]
        if role == "agency_reviewer":
            assert me["agency_id"]
    wrong = client.post("/v1/auth/sessions", json={"email": first.logins[0][0], "password": "not it"})
    assert wrong.status_code == 401


def test_password_from_the_environment_replaces_the_saved_one(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ATELIER_DEMO_PASSWORD", raising=False)
    _seed(settings)
    monkeypatch.setenv("ATELIER_DEMO_PASSWORD", "chosen demo password")
    seeded = _seed(settings)
    assert seeded.password == "chosen demo password"
    login = client.post(
        "/v1/auth/sessions", json={"email": seeded.logins[1][0], "password": "chosen demo password"}
    )
    assert login.status_code == 201
