"""POST /v1/compliance/check: ad law, industry, platform and brand VI rules on copy or an asset."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from serving.assets.service import services_of
from serving.auth.caller import Caller
from serving.compliance import service
from serving.compliance.schemas import CheckRequest, CheckResponse
from serving.db import transaction
from serving.deps import CallerDep, get_session_factory

router = APIRouter(prefix="/v1/compliance", tags=["compliance"])


@router.post("/check", operation_id="checkCompliance")
async def check_compliance(body: CheckRequest, request: Request, caller: CallerDep) -> CheckResponse:
    """Check copy (or a copy asset) and get a verdict ``pass | warn | block`` with explained findings:
    category, rule, span in the original text, legal basis and a suggested compliant rewrite."""
    if service.runs_inline(body):  # short copy alone: checked here, cheaper than a trip to a worker thread
        return _check(body, request, caller)
    return await run_in_threadpool(_check, body, request, caller)


def _check(body: CheckRequest, request: Request, caller: Caller) -> CheckResponse:
    services, checker = services_of(request), service.checker_of(request)
    packs = service.brand_packs_of(request)
    if body.brand_id is None:
        return service.check(None, services, checker, packs, caller, body)
    with transaction(get_session_factory(request)) as session:
        return service.check(session, services, checker, packs, caller, body)
