"""Request dependencies shared by every router: settings, DB session, caller, gateway."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from serving.auth.caller import Caller
from serving.auth.caller_cache import CallerCache
from serving.auth.service import resolve_token, touch_key
from serving.db import read_only_factory, transaction
from serving.errors import Unauthenticated
from serving.gateway.protocol import ModelGateway
from serving.pagination import PageParams, page_params
from serving.settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session_factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent, rolled back on error."""
    with transaction(get_session_factory(request)) as session:
        yield session


async def get_caller(
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    x_api_key: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Caller:
    """Authenticate ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``.

    A key resolved in the last ``auth.caller_cache_seconds`` is served from memory (see
    :mod:`serving.auth.caller_cache`); otherwise it is looked up in a worker thread."""
    token = x_api_key
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value:
            raise Unauthenticated("use 'Authorization: Bearer <api key>'", code="invalid_authorization")
        token = value
    if not token:
        raise Unauthenticated("an API key is required", code="missing_api_key")
    cache = _caller_cache(request)
    caller = cache.get(token)
    if caller is None:
        caller = await run_in_threadpool(_resolve, request, cache, token)
    request.state.caller = caller
    return caller


def _resolve(request: Request, cache: CallerCache, token: str) -> Caller:
    settings = get_settings(request)
    factory = get_session_factory(request)
    generation = cache.generation()
    with transaction(_readers(request, factory)) as session:
        resolved = resolve_token(session, token, settings.auth.key_pepper.get_secret_value())
    if resolved.stale_key_id is not None:  # at most once a minute per key: a short write of its own
        with transaction(factory) as session:
            touch_key(session, resolved.stale_key_id)  # not an auth change: it drops nothing cached
    cache.put(token, resolved.caller, generation, resolved.expires_at)
    return resolved.caller


def _caller_cache(request: Request) -> CallerCache:
    cache: CallerCache | None = getattr(request.app.state, "caller_cache", None)
    if cache is None:
        cache = CallerCache(get_settings(request).auth.caller_cache_seconds)
        request.app.state.caller_cache = cache
    return cache


def _readers(request: Request, factory: sessionmaker[Session]) -> sessionmaker[Session]:
    readers: sessionmaker[Session] | None = getattr(request.app.state, "read_session_factory", None)
    if readers is None:
        readers = read_only_factory(factory)
        request.app.state.read_session_factory = readers
    return readers


def get_gateway(request: Request) -> ModelGateway:
    gateway: ModelGateway = request.app.state.gateway
    return gateway


def get_request_id(request: Request) -> str | None:
    value: str | None = getattr(request.state, "request_id", None)
    return value


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
CallerDep = Annotated[Caller, Depends(get_caller)]
GatewayDep = Annotated[ModelGateway, Depends(get_gateway)]
PageDep = Annotated[PageParams, Depends(page_params)]
RequestIdDep = Annotated[str | None, Depends(get_request_id)]
