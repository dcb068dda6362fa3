"""Where webhooks may be sent: no loopback, private, link-local or other non-public address unless the
settings allow it (``webhooks.allow_private_targets``; allowed in development and test, refused in
production), so an endpoint URL cannot make the API server call into its own network (SSRF: cloud metadata
at 169.254.169.254, the database, an admin port on localhost).

Two checks: when an endpoint is saved, its host is refused if it is an address literal or a local name
(``localhost``, ``*.localhost``, ``*.internal``…); when a delivery is sent, :class:`GuardedResolver` drops
every resolved address that is not public, and the connection is made only to the addresses it kept, so a
name that resolves (or later re-resolves) to an inside address is refused at send time too.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from serving.errors import InvalidInput

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan")
"""Names that only mean something inside a network (RFC 6761, RFC 6762, RFC 8375 and common practice)."""

_CARRIER_NAT = ipaddress.ip_network("100.64.0.0/10")


def blocked_reason(address: IpAddress) -> str | None:
    """Why ``address`` is not a public internet address, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return blocked_reason(mapped)
    checks = (
        (address.is_loopback, "loopback"),
        (address.is_unspecified, "unspecified"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (isinstance(address, ipaddress.IPv4Address) and address in _CARRIER_NAT, "carrier-grade NAT"),
        (address.is_private, "private"),
        (address.is_reserved, "reserved"),
        (not address.is_global, "not global"),
    )
    return next((reason for hit, reason in checks if hit), None)


def _host_of(url: str) -> str:
    host = urlsplit(url).hostname
    if not host:
        raise InvalidInput("the webhook URL has no host", code="invalid_url")
    return host.rstrip(".").lower()


def check_target_url(url: str, allow_private: bool) -> None:
    """Refuse (422 ``webhook_target_not_allowed``) a URL whose host is a non-public address literal or a
    local name, unless ``allow_private``. Names are checked again, resolved, at send time."""
    if allow_private:
        return
    host = _host_of(url)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or host.endswith(LOCAL_SUFFIXES) or "." not in host:
            raise InvalidInput(
                f"webhook host {host!r} is a local name; endpoints must be reachable on the public internet",
                code="webhook_target_not_allowed",
            ) from None
        return
    reason = blocked_reason(address)
    if reason is not None:
        raise InvalidInput(
            f"webhook host {host} is a {reason} address; endpoints must be public",
            code="webhook_target_not_allowed",
        )


class TargetNotAllowed(OSError):
    """Raised at send time for a host with no public address (the delivery fails and is retried later).
    An ``EACCES`` OSError whose ``strerror`` is the reason, so aiohttp's connection error keeps it."""

    def __init__(self, reason: str) -> None:
        super().__init__(errno.EACCES, reason)


class GuardedResolver(AbstractResolver):
    """Resolves like aiohttp's default resolver, then keeps only public addresses; the connector connects
    to what this returns, so there is no second lookup an attacker's DNS could answer differently."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self.inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self.inner.resolve(host, port, family)
        kept = [r for r in results if blocked_reason(ipaddress.ip_address(r["host"])) is None]
        if not kept:
            raise TargetNotAllowed(f"webhook host {host} resolves only to non-public addresses")
        return kept

    async def close(self) -> None:
        await self.inner.close()


def check_literal_at_send(url: str) -> None:
    """aiohttp does not resolve address literals: refuse a non-public one before connecting."""
    host = _host_of(url)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    reason = blocked_reason(address)
    if reason is not None:
        raise TargetNotAllowed(f"webhook host {host} is a {reason} address")
