"""Posters of a job through the gateway's poster deployment, then checked: the spec's text through the
rules, the pixel findings the deployment sent back, OCR lines if read. A poster with blocking findings
(or a VI / legibility warning) is ``flagged`` with its findings, never dropped.

Calls go in chunks, two in flight, so a Ray Serve poster deployment with replicas composes in parallel
and the job reports progress as chunks come back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from asset_store.repo.metadata import DerivedFrom
from compliance_rules.brand import BrandVI
from compliance_rules.checker import Checker
from compliance_rules.models import Finding, Verdict
from pipelines.poster import PosterCopy
from serving.errors import InvalidInput, ServiceUnavailable
from serving.gateway.poster_models import ComposedPoster, PosterCall, PosterItem
from serving.gateway.protocol import ModelGateway
from serving.generation.poster_checks import ocr_findings, poster_status, text_findings

CHUNK = 4
IN_FLIGHT = 2
Progress = Callable[[int, int], Awaitable[None]]


@dataclass(frozen=True)
class PlannedItem:
    """A poster to make and what it is made from (for lineage)."""

    item: PosterItem
    copy_link: DerivedFrom | None = None
    copy_index: int | None = None


@dataclass(frozen=True)
class CheckedPoster:
    """A composed poster with the findings of each rendition and its verdict and status."""

    planned: PlannedItem
    composed: ComposedPoster
    findings: tuple[tuple[Finding, ...], ...]
    verdict: Verdict
    status: str

    @property
    def content(self) -> PosterCopy:
        return self.planned.item.content

    def sizes(self) -> list[str]:
        return [rendition.spec.size.name for rendition in self.composed.renditions]


@dataclass(frozen=True)
class CheckScope:
    checker: Checker
    industry: str | None
    platform: str | None
    vi: BrandVI | None


async def compose_all(
    gateway: ModelGateway, base: PosterCall, planned: Sequence[PlannedItem], progress: Progress
) -> list[ComposedPoster]:
    """Every planned poster through ``gateway.compose_posters`` (``base`` carries the shared parts)."""
    chunks = [planned[i : i + CHUNK] for i in range(0, len(planned), CHUNK)]
    limit = asyncio.Semaphore(IN_FLIGHT)
    done = 0

    async def one(chunk: Sequence[PlannedItem]) -> list[ComposedPoster]:
        nonlocal done
        async with limit:
            reply = await gateway.compose_posters(
                base.model_copy(update={"items": tuple(p.item for p in chunk)})
            )
        if reply.error == "unavailable":
            raise ServiceUnavailable(
                reply.message or "the poster deployment is unavailable", code="poster_unavailable"
            )
        if reply.error is not None:
            raise InvalidInput(reply.message or "the poster request was refused", code="invalid_poster")
        done += len(chunk)
        await progress(done, len(planned))
        return list(reply.posters)

    try:
        async with asyncio.TaskGroup() as group:  # the first failure cancels the other chunks
            tasks = [group.create_task(one(chunk)) for chunk in chunks]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [poster for task in tasks for poster in task.result()]


def raise_for_errors(posters: Sequence[ComposedPoster], planned: Sequence[PlannedItem]) -> None:
    """The first poster that could not be composed fails the job, naming the poster and the slot."""
    for poster, plan in zip(posters, planned, strict=True):
        if poster.error is None:
            continue
        tried = ", ".join(plan.item.templates)
        source = plan.copy_link.path if plan.copy_link else f"copies[{plan.copy_index}]"
        detail = f"poster {poster.index + 1} (copy {source}; templates tried: {tried}): {poster.message}"
        code = "text_does_not_fit" if poster.error == "text_does_not_fit" else "invalid_poster"
        raise InvalidInput(detail, code=code, extra={"poster": poster.index + 1, "field": poster.field})


def check(scope: CheckScope, planned: PlannedItem, poster: ComposedPoster) -> CheckedPoster:
    """Text, pixel and OCR findings of every rendition, the verdict and the status."""
    per_rendition: list[tuple[Finding, ...]] = []
    for rendition in poster.renditions:
        spec = rendition.spec
        found = text_findings(
            scope.checker, spec, industry=scope.industry, platform=scope.platform, brand=scope.vi
        )
        found += rendition.findings
        if poster.ocr_size == spec.size.name:
            found += ocr_findings(
                scope.checker,
                poster.ocr_lines,
                spec,
                industry=scope.industry,
                platform=scope.platform,
                brand=scope.vi,
            )
        per_rendition.append(tuple(found))
    verdict, status = poster_status([f for fs in per_rendition for f in fs])
    return CheckedPoster(planned, poster, tuple(per_rendition), verdict, status)


def summary(checked: CheckedPoster, paths: Sequence[tuple[str, str]] | None) -> dict[str, object]:
    """A poster as the job result shows it (findings per rendition, the stored paths)."""
    composed = checked.composed
    renditions = []
    for index, rendition in enumerate(composed.renditions):
        png, spec = paths[index] if paths is not None else (None, None)
        renditions.append(
            {
                "size": rendition.spec.size.name,
                "width": rendition.spec.size.width,
                "height": rendition.spec.size.height,
                "variant": rendition.spec.variant,
                "path": png,
                "spec_path": spec,
                "omitted": list(rendition.spec.omitted),
                "findings": [f.model_dump(mode="json", exclude_none=True) for f in checked.findings[index]],
            }
        )
    return {
        "index": composed.index,
        "template": composed.template,
        "palette": composed.palette,
        "seed": composed.seed,
        "copy": checked.content.model_dump(mode="json", exclude_none=True),
        "copy_asset": checked.planned.copy_link.path if checked.planned.copy_link else None,
        "dropped": list(composed.dropped),
        "status": checked.status,
        "verdict": checked.verdict.value,
        "ocr": composed.ocr_size or composed.ocr_skipped,
        "renditions": renditions,
    }


async def make_posters(
    gateway: ModelGateway,
    base: PosterCall,
    planned: Sequence[PlannedItem],
    scope: CheckScope,
    progress: Progress,
) -> list[CheckedPoster]:
    """Compose every planned poster (failing the job on the first that cannot be), then check each."""
    composed = await compose_all(gateway, base, planned, progress)
    raise_for_errors(composed, planned)
    return await asyncio.to_thread(
        lambda: [check(scope, plan, poster) for plan, poster in zip(planned, composed, strict=True)]
    )
