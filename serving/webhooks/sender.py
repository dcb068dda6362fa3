"""The dispatcher's HTTP side: sign and POST a round of deliveries concurrently over one connection pool.

The client is aiohttp's (``ClientSession`` + ``TCPConnector``): httpx's async pool costs several times
more CPU per request here (its pool scans every connection per request, and httpcore retries a failed
``import sniffio`` for each lock it makes), which capped delivery far below 500/s on 2 cores.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp

from asset_store.sql import utcnow
from serving import __version__
from serving.settings import WebhookSettings
from serving.webhooks.retry import is_success, parse_retry_after
from serving.webhooks.store import Outcome, Outgoing
from serving.webhooks.targets import GuardedResolver, check_literal_at_send
from serving.webhooks.verify import (
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_header,
)

ERROR_BODY_BYTES = 512
"""How much of a failed response's body the delivery log keeps."""
MAX_BODY_BYTES = 65_536
"""Response bodies up to this size are read (and dropped) so the connection serves the next request."""


def request_headers(out: Outgoing, timestamp: int) -> dict[str, str]:
    """The headers of one attempt, signed at ``timestamp``."""
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": f"Atelier-Webhooks/{__version__}",
        EVENT_ID_HEADER: out.event_id,
        EVENT_TYPE_HEADER: out.event_type,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature_header(out.secrets, timestamp, out.body),
        "Atelier-Delivery-Id": out.delivery_id,
        "Atelier-Attempt": str(out.attempt),
    }


class Sender:
    """Sends with at most ``settings.concurrency`` connections; redirects are not followed. Make it on the
    event loop that will use it."""

    def __init__(self, settings: WebhookSettings) -> None:
        self.settings = settings
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=settings.concurrency,
                ttl_dns_cache=60,
                resolver=None if settings.private_targets_allowed else GuardedResolver(),
            ),
            timeout=aiohttp.ClientTimeout(total=settings.timeout_seconds),
            trust_env=False,
            auto_decompress=False,
        )
        self._slots = asyncio.Semaphore(settings.concurrency)
        """Taken before the clock starts, so the logged latency is the receiver's, not our queue's."""

    async def aclose(self) -> None:
        await self.session.close()

    async def send_all(self, batch: list[Outgoing]) -> list[Outcome]:
        """Send every delivery of a round; never raises for a failed send (that is an outcome)."""
        return list(await asyncio.gather(*(self._send(out) for out in batch)))

    async def _send(self, out: Outgoing) -> Outcome:
        async with self._slots:
            return await self._post(out)

    async def _post(self, out: Outgoing) -> Outcome:
        at = utcnow()
        started = time.perf_counter()
        code: int | None = None
        error: str | None = None
        retry_after: float | None = None
        try:
            if not self.settings.private_targets_allowed:
                check_literal_at_send(out.url)
            headers = request_headers(out, int(time.time()))
            async with self.session.post(out.url, data=out.body, headers=headers, allow_redirects=False) as r:
                code = r.status
                body = await r.content.read(MAX_BODY_BYTES)
                if not is_success(code):
                    text = body[:ERROR_BODY_BYTES].decode("utf-8", "replace")
                    error = f"HTTP {code}: {text}".strip()
                    retry_after = parse_retry_after(r.headers.get("Retry-After"))
        except TimeoutError:
            error = f"timeout after {self.settings.timeout_seconds}s"
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        latency_ms = (time.perf_counter() - started) * 1000
        return Outcome(
            out.delivery_id, out.token, out.attempt, out.tries, at, code, latency_ms, error, retry_after
        )
