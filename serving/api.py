"""The FastAPI app factory: settings, database, gateway and job runner are built here, not at import."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from prometheus_client import CollectorRegistry

from asset_store.errors import StorageUnavailable
from asset_store.vectors import open_vector_index
from compliance_rules.checker import Checker
from serving import __version__
from serving.assets.content_router import STREAMED_UPLOADS
from serving.assets.content_router import router as asset_content_router
from serving.assets.router import router as assets_router
from serving.assets.services import build_asset_services
from serving.audit.router import router as audit_router
from serving.auth.router import router as auth_router
from serving.compliance.router import router as compliance_router
from serving.compliance.service import BrandPacks
from serving.db import make_engine, make_session_factory
from serving.events.router import router as events_router
from serving.experiments.router import router as experiments_router
from serving.exports.router import router as exports_router
from serving.gateway.inprocess import InProcessGateway
from serving.gateway.protocol import ModelGateway
from serving.generation.copy_job import RESOURCE as GENERATION_RESOURCE
from serving.generation.store import GenerationStore
from serving.generation.studio_router import router as studio_router
from serving.governance.router import router as governance_router
from serving.health import router as health_router
from serving.jobs.bus import JobEventBus
from serving.jobs.router import router as jobs_router
from serving.jobs.runner import JobRunner
from serving.library.router import router as library_router
from serving.middleware import BodySizeLimitMiddleware, MetricsMiddleware, RequestIdMiddleware
from serving.nats_feed.publisher import NatsFeed
from serving.openai_compat.router import router as openai_router
from serving.problem import install_problem_handlers
from serving.reviews.ai_check import RESOURCE as REVIEW_RESOURCE
from serving.reviews.ai_check import ReviewRuntime
from serving.reviews.router import router as reviews_router
from serving.reviews.service import ReviewEnv
from serving.reviews.studio_router import router as review_people_router
from serving.settings import Settings
from serving.studio import StudioFiles
from serving.tenancy.router import router as tenancy_router
from serving.tenancy.users_router import router as users_router
from serving.vision.brand_router import router as search_brand_router
from serving.vision.router import router as search_router
from serving.vision.runtime import RESOURCE as VISION_RESOURCE
from serving.vision.runtime import VisionRuntime
from serving.webhooks.dispatcher import WebhookDispatcher
from serving.webhooks.router import router as webhooks_router

WEB_DIST = Path(__file__).resolve().parents[1] / "web" / "dist"


def web_dist() -> Path:
    """The built studio: ``ATELIER_WEB_DIST`` when set (another build), else ``web/dist`` of this checkout."""
    return Path(os.environ.get("ATELIER_WEB_DIST") or WEB_DIST)
log = logging.getLogger(__name__)
WARM_HEAP_FREEZE_S = 10.0
"""Seconds after startup when what the first requests built is frozen too (see ``_freeze_warm_heap``)."""


def _freeze_warm_heap() -> None:
    """Collect once, then freeze what survived: the caches the first requests filled (SQL statement and ORM
    loader caches, routing and validation caches, rule plans) live as long as the app, and each full
    collection would otherwise walk them again (some milliseconds, a stall for every request in flight)."""
    gc.collect()
    gc.freeze()


def create_app(
    settings: Settings | None = None, gateway: ModelGateway | None = None, *, echo_request_id: bool = True
) -> FastAPI:
    """Build the API. ``gateway`` defaults to running models in this process.

    ``echo_request_id=False`` behind a proxy that already echoes ``X-Request-ID`` (Ray Serve's).
    """
    settings = settings or Settings()
    settings.ensure_data_dir()
    engine = make_engine(
        settings.database_url, echo=settings.database.echo, pool_size=settings.database.pool_size
    )
    model_gateway: ModelGateway = gateway or InProcessGateway(
        settings.llm_config(), settings.vision_config(), settings.image_config()
    )
    registry = CollectorRegistry()
    assets = build_asset_services(settings)
    review_env = ReviewEnv(assets, settings.reviews)
    session_factory = make_session_factory(engine)
    api_key = settings.vector.api_key.get_secret_value() if settings.vector.api_key else None
    vision = VisionRuntime(
        session_factory,
        assets,
        settings.search,
        open_vector_index(settings.vector.url, api_key, settings.data_dir),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        bus = JobEventBus()
        try:
            await asyncio.to_thread(assets.objects.ensure_ready)
        except StorageUnavailable as exc:  # serve anyway; /readyz reports it until the store is back
            log.warning("object store not ready: %s", exc)
        # Compile the rule packs now, not on the first check, then take everything built so far out of the
        # garbage collector's full passes (they would stall requests for tens of ms on this large heap).
        app.state.checker = await asyncio.to_thread(Checker.builtin)
        review_runtime = ReviewRuntime(
            app.state.session_factory, review_env, app.state.checker, app.state.brand_packs
        )
        runner = JobRunner(
            app.state.session_factory,
            model_gateway,
            settings.jobs,
            bus,
            resources={
                REVIEW_RESOURCE: review_runtime,
                GENERATION_RESOURCE: GenerationStore(
                    app.state.session_factory,
                    assets,
                    app.state.checker,
                    settings.llm.model,
                    concurrent_requests=settings.llm.n_parallel,
                    copywriting=settings.copywriting,
                    brand_packs=app.state.brand_packs,
                ),
                VISION_RESOURCE: vision,
            },
        )
        app.state.bus = bus
        app.state.runner = runner
        runner.start()
        webhooks = WebhookDispatcher(
            app.state.session_factory, settings.webhooks, settings.auth.key_pepper.get_secret_value()
        )
        app.state.webhooks = webhooks
        if settings.webhooks.dispatch:
            webhooks.start()
        nats_feed = NatsFeed(app.state.session_factory, settings.nats)
        app.state.nats_feed = nats_feed
        if settings.nats.enabled:
            nats_feed.start()
        gc.freeze()
        refreeze = asyncio.get_running_loop().call_later(WARM_HEAP_FREEZE_S, _freeze_warm_heap)
        log.info("Atelier API up (gateway=%s, db=%s)", model_gateway.name, engine.url.get_backend_name())
        try:
            yield
        finally:
            refreeze.cancel()
            await runner.stop()
            await webhooks.stop()
            await nats_feed.stop()
            await model_gateway.aclose()
            vision.close()
            engine.dispose()

    app = FastAPI(
        title="Atelier API",
        version=__version__,
        summary="Generate, check, version and ship brand creative.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.vision = vision
    app.state.gateway = model_gateway
    app.state.metrics_registry = registry
    app.state.assets = assets
    app.state.review_env = review_env
    app.state.brand_packs = BrandPacks()

    install_problem_handlers(app)
    # routes are matched in order, one by one: the health probe and the busiest endpoint, the compliance
    # check, come first (matching past every router before it cost ~0.1 ms per check)
    for router in (
        health_router,
        compliance_router,
        auth_router,
        tenancy_router,
        users_router,
        jobs_router,
        audit_router,
        assets_router,
        asset_content_router,
        governance_router,
        reviews_router,
        review_people_router,
        events_router,
        exports_router,
        experiments_router,
        webhooks_router,
        search_router,
        search_brand_router,
        library_router,
        openai_router,
        studio_router,
    ):
        app.include_router(router)

    app.add_middleware(
        BodySizeLimitMiddleware, max_bytes=settings.api.max_body_bytes, streamed=STREAMED_UPLOADS
    )
    app.add_middleware(MetricsMiddleware, registry=registry)
    if settings.api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID", "Location"],
        )
    app.add_middleware(RequestIdMiddleware, echo=echo_request_id)
    studio_dir = web_dist()
    if studio_dir.is_dir():
        app.mount("/", StudioFiles(studio_dir), name="studio")
    return app
