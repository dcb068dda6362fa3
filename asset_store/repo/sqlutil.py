"""Small SQL helpers that differ by dialect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from asset_store.sql import Base


def insert_ignore(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows, skipping any whose primary key exists (content-addressed rows are immutable)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg_stmt = postgresql.insert(model).on_conflict_do_nothing()
        session.execute(pg_stmt, list(rows))
    elif dialect == "sqlite":
        lite_stmt = sqlite.insert(model).on_conflict_do_nothing()
        session.execute(lite_stmt, list(rows))
    else:  # pragma: no cover - only the two supported databases
        raise NotImplementedError(f"insert_ignore is not implemented for {dialect}")
