"""Keyset pagination over time-ordered ids: ``?limit=&cursor=`` → ``{items, next_cursor}``."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from serving.errors import InvalidInput

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next page."""

    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Opaque cursor of the next page; null at the end."
    )


class PageParams(BaseModel):
    limit: int
    cursor: str | None


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput("cursor is not valid", code="invalid_cursor") from exc
    if not value or "_" not in value or not value.isprintable():
        raise InvalidInput("cursor is not valid", code="invalid_cursor")
    return value


def page_params(
    limit: Annotated[int, Query(ge=1, le=1000, description="Items per page.")] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="Cursor from the previous page.")] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


def paginate(
    session: Session,
    stmt: Select[Any],
    id_column: InstrumentedAttribute[str],
    params: PageParams,
    max_limit: int,
    *,
    newest_first: bool = False,
) -> tuple[list[Any], str | None]:
    """Run ``stmt`` ordered by id (time-ordered: oldest first, or newest first) from the cursor; return
    rows and the next cursor."""
    if params.limit > max_limit:
        raise InvalidInput(f"limit may be at most {max_limit}", code="limit_too_large")
    if params.cursor:
        after = decode_cursor(params.cursor)
        stmt = stmt.where(id_column < after if newest_first else id_column > after)
    order = id_column.desc() if newest_first else id_column
    rows = list(session.scalars(stmt.order_by(order).limit(params.limit + 1)))
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        return rows, encode_cursor(getattr(rows[-1], id_column.key))
    return rows, None


def page_of(
    session: Session,
    stmt: Select[Any],
    id_column: InstrumentedAttribute[str],
    params: PageParams,
    max_limit: int,
    to_public: Callable[[Any], T],
    *,
    newest_first: bool = False,
) -> Page[T]:
    """One page of ``stmt`` with each row converted by ``to_public``."""
    rows, cursor = paginate(session, stmt, id_column, params, max_limit, newest_first=newest_first)
    return Page(items=[to_public(row) for row in rows], next_cursor=cursor)
