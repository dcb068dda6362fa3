"""The webhook SSRF guard: which addresses are public, URL checks when an endpoint is saved, and the
resolver that drops non-public addresses at send time."""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from serving.errors import InvalidInput
from serving.webhooks.targets import (
    GuardedResolver,
    TargetNotAllowed,
    blocked_reason,
    check_literal_at_send,
    check_target_url,
)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.1", "private"),
        ("fd00::1", "private"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("224.0.0.1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("2002:c0a8:0101::1", "private"),  # 6to4 wrapping 192.168.1.1
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_blocked_reason_names_what_is_not_public(address: str, reason: str | None) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://[::1]:9000/x",
        "http://169.254.169.254/latest",
        "http://localhost:8000/x",
        "http://api.localhost/x",
        "http://printer.local/x",
        "http://metadata.google.internal/x",
        "http://redis:6379/x",
    ],
)
def test_saving_a_local_target_is_refused_with_a_code(url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_target_url(url, allow_private=False)
    assert refused.value.code == "webhook_target_not_allowed"
    check_target_url(url, allow_private=True)  # development and test allow it


def test_public_names_and_addresses_pass_when_saved() -> None:
    for url in ("https://crm.example.com/hook", "https://8.8.8.8/hook", "https://[2606:4700::1]/x"):
        check_target_url(url, allow_private=False)


class FakeResolver(AbstractResolver):
    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host=a, port=port, family=family, proto=0, flags=0)
            for a in self.addresses
        ]

    async def close(self) -> None:
        return None


def test_the_resolver_keeps_only_public_addresses_and_refuses_a_name_with_none() -> None:
    mixed = GuardedResolver(FakeResolver(["10.0.0.7", "93.184.216.34", "127.0.0.1"]))
    kept = asyncio.run(mixed.resolve("hooks.example.com", 443))
    assert [r["host"] for r in kept] == ["93.184.216.34"]
    inside = GuardedResolver(FakeResolver(["169.254.169.254"]))
    with pytest.raises(TargetNotAllowed, match="non-public"):
        asyncio.run(inside.resolve("rebinding.example.com", 80))


def test_address_literals_are_checked_before_connecting() -> None:
    with pytest.raises(TargetNotAllowed, match="loopback"):
        check_literal_at_send("http://127.0.0.1:9/hook")
    check_literal_at_send("https://93.184.216.34/hook")
    check_literal_at_send("https://hooks.example.com/hook")  # names are the resolver's job
