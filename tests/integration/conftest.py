"""Fixtures for integration tests beyond the databases in ``tests/conftest.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.s3server import moto_s3_server


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """``host:port`` of a moto S3 server shared by the test session (plain HTTP, see tests/s3server.py)."""
    with moto_s3_server() as endpoint:
        yield endpoint
