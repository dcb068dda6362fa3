"""The image a search or duplicate check starts from: an asset of the brand, or uploaded bytes (base64),
turned into an embedding and hashes (from the analysis cache when the bytes were analysed before)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib

from asset_store.blobs import blob_key
from serving.assets.service import open_repo
from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.db import transaction
from serving.errors import InvalidInput
from serving.gateway.protocol import ModelGateway
from serving.vision import analyses
from serving.vision.analyses import Analysis
from serving.vision.duplicates import Probe
from serving.vision.runtime import VisionRuntime
from serving.vision.schemas import AssetRef


def _decode(text: str) -> bytes:
    try:
        data = base64.b64decode(text.split(",", 1)[-1] if text.startswith("data:") else text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput("image is not valid base64", code="invalid_base64") from exc
    if not data:
        raise InvalidInput("image is empty", code="empty_image")
    return data


def _probe(analysis: Analysis, ref: tuple[str, str] | None = None, data: bytes | None = None) -> Probe:
    if analysis.error is not None:
        raise InvalidInput(analysis.message or "the image cannot be analysed", code=analysis.error)
    return Probe(analysis.encoder, analysis.embedding, analysis.hashes, analysis.blob, ref, data)


async def probe_image(
    runtime: VisionRuntime, gateway: ModelGateway, caller: Caller, brand_id: str, image: AssetRef | str
) -> Probe:
    """Embedding and hashes of the image (the caller's access to the brand is checked for an asset)."""
    if isinstance(image, str):
        data = _decode(image)
        (result,) = await gateway.analyse_images([data], ocr=False)
        analysis = Analysis.from_result(hashlib.sha256(data).hexdigest(), result, "", False)
        return _probe(analysis, data=data)
    blob = await asyncio.to_thread(_asset_blob, runtime, caller, brand_id, image)
    space = await runtime.image_space(gateway)
    cached = await asyncio.to_thread(_cached, runtime, blob, space.encoder)
    if cached is None:
        data = await asyncio.to_thread(runtime.assets.objects.read_bytes, blob_key(blob))
        (result,) = await gateway.analyse_images([data], ocr=False)
        cached = Analysis.from_result(blob, result, space.encoder, False)
        await asyncio.to_thread(_store, runtime, cached)
    return _probe(cached, (image.branch, image.path))


def _asset_blob(runtime: VisionRuntime, caller: Caller, brand_id: str, image: AssetRef) -> str:
    with transaction(runtime.readers) as session:
        version = open_repo(session, runtime.assets, caller, brand_id, Permission.BRAND_READ).get(
            image.branch, image.path
        )
    if version.entry.kind != "image":
        raise InvalidInput(f"{image.path!r} is a {version.entry.kind}, not an image", code="not_an_image")
    return version.entry.blob


def _cached(runtime: VisionRuntime, blob: str, encoder: str) -> Analysis | None:
    with transaction(runtime.readers) as session:
        return analyses.load_cached(session, [blob], encoder).get(blob)


def _store(runtime: VisionRuntime, analysis: Analysis) -> None:
    with transaction(runtime.factory) as session:
        analyses.store(session, [analysis])
