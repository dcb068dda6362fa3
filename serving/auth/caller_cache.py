"""A short-lived, in-process memo of resolved API keys, so most requests skip the key lookup.

Resolving a key costs a few database reads (the key, the user, memberships, agency assignments) and a
worker-thread hop; on a hot door such as ``POST /v1/compliance/check`` that is a third of the request.
An entry lives ``ttl_s`` seconds at most and never past the key's own expiry. Any committed write in
this process to keys, users, memberships, agencies, assignments, brands or regions (whose deletion cascades
to grants) drops every entry at once (SQLAlchemy session events), so a revocation or a role change made
here applies to the next request. Another process's write applies within ``ttl_s``
(``auth.caller_cache_seconds``; 0 turns the memo off).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session

from asset_store.sql import utcnow
from serving.auth.caller import Caller
from serving.auth.models import ApiKey
from serving.tenancy.models import Agency, AgencyAssignment, Brand, Membership, Region, User

_AUTH_MODELS = (ApiKey, User, Membership, Agency, AgencyAssignment, Brand, Region)  # grants come from these
_DIRTY = "atelier_auth_written"


class _Generation:
    """Bumped after every committed write to an auth table in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def bump(self) -> None:
        with self._lock:
            self.value += 1


GENERATION = _Generation()


def _changes_grants(row: object) -> bool:
    """An auth row whose write may change a caller; recording a key's last use (once a minute) does not."""
    if not isinstance(row, _AUTH_MODELS):
        return False
    if isinstance(row, ApiKey):
        changed = {attr.key for attr in inspect(row).attrs if attr.history.has_changes()}
        return bool(changed - {"last_used_at"}) or not changed  # inserted and deleted rows count
    return True


def _note_auth_writes(session: Session, _flush_context: Any) -> None:
    if any(_changes_grants(row) for row in (*session.new, *session.dirty, *session.deleted)):
        session.info[_DIRTY] = True


def _note_bulk_writes(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):  # runs on every ORM statement: reads leave at once
        return
    mapper = state.bind_mapper
    if mapper is not None and issubclass(mapper.class_, _AUTH_MODELS):
        state.session.info[_DIRTY] = True


def _bump_after_commit(session: Session) -> None:
    if session.info.pop(_DIRTY, False):
        GENERATION.bump()


def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_DIRTY, None)


def _listen() -> None:
    for name, listener in (
        ("after_flush", _note_auth_writes),
        ("do_orm_execute", _note_bulk_writes),
        ("after_commit", _bump_after_commit),
        ("after_rollback", _forget_after_rollback),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


@dataclass(frozen=True)
class _Entry:
    caller: Caller
    generation: int
    until: float
    key_expires_at: datetime | None


class CallerCache:
    """Token → resolved caller, for ``ttl_s`` seconds, invalidated by this process's auth writes."""

    def __init__(
        self, ttl_s: float, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[bytes, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        _listen()

    @staticmethod
    def _key(token: str) -> bytes:
        return hashlib.sha256(token.strip().encode("utf-8", "surrogatepass")).digest()  # no raw secrets kept

    def generation(self) -> int:
        """Read before resolving a token; pass to :meth:`put` so a write in between is not cached over."""
        return GENERATION.value

    def get(self, token: str) -> Caller | None:
        if self.ttl_s <= 0:
            return None
        key = self._key(token)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expired = entry.key_expires_at is not None and entry.key_expires_at <= utcnow()
            if entry.generation != GENERATION.value or entry.until <= self._clock() or expired:
                del self._entries[key]
                return None
            return entry.caller

    def put(self, token: str, caller: Caller, generation: int, key_expires_at: datetime | None) -> None:
        if self.ttl_s <= 0:
            return
        key, entry = self._key(token), _Entry(caller, generation, self._clock() + self.ttl_s, key_expires_at)
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
