"""Proving site ownership, ACME-style.

Two pluggable parts: a DNS resolver (TXT look-up) and an HTTP fetcher. The
defaults use the system resolver and HTTPS; tests plug in a fetcher that maps
host names to a real HTTP server on loopback.
"""

from __future__ import annotations

import http.client
import ssl
from dataclasses import dataclass
from functools import cache
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.module_loading import import_string

MAX_BODY = 64 * 1024
TIMEOUT = 10


class DnsResolver(Protocol):
    def txt(self, name: str) -> list[str]: ...


class HttpFetcher(Protocol):
    def get(self, url: str) -> tuple[int, bytes]: ...


class OwnershipCheckError(Exception):
    pass


class SystemDnsResolver:
    def txt(self, name: str) -> list[str]:
        import dns.exception
        import dns.resolver

        try:
            answer = dns.resolver.resolve(name, "TXT", lifetime=TIMEOUT)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except dns.exception.DNSException as exc:
            raise OwnershipCheckError(f"DNS lookup of {name} failed: {exc}") from exc
        out = []
        for rdata in answer:
            out.append(b"".join(rdata.strings).decode("utf-8", "replace"))
        return out


class HttpsFetcher:
    """GET over HTTPS with certificate checks, no redirects followed to other
    hosts, a size cap and a timeout."""

    scheme = "https"

    def connection(self, host: str, port: int | None) -> http.client.HTTPConnection:
        return http.client.HTTPSConnection(
            host, port or 443, timeout=TIMEOUT, context=ssl.create_default_context()
        )

    def get(self, url: str) -> tuple[int, bytes]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OwnershipCheckError(f"unsupported URL {url}")
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            conn = self.connection(parts.hostname, parts.port)
            conn.request("GET", path, headers={"User-Agent": "chengxin-ownership-check/1"})
            resp = conn.getresponse()
            body = resp.read(MAX_BODY)
            conn.close()
        except (OSError, http.client.HTTPException) as exc:
            raise OwnershipCheckError(f"fetching {url} failed: {exc}") from exc
        return resp.status, body


class LoopbackFetcher(HttpsFetcher):
    """Plain HTTP to a fixed address, whatever the host name: for tests and
    for staging set-ups behind a proxy. Configure `address` = (host, port)."""

    address: tuple[str, int] = ("127.0.0.1", 80)

    def connection(self, host: str, port: int | None) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.address[0], self.address[1], timeout=TIMEOUT)


class StaticDnsResolver:
    """Answers from a dict; for tests and air-gapped demos."""

    records: dict[str, list[str]] = {}

    def txt(self, name: str) -> list[str]:
        return list(self.records.get(name.rstrip(".").lower(), []))


@cache
def _load(path: str) -> object:
    return import_string(path)()


def resolver() -> DnsResolver:
    return _load(settings.CHENGXIN_DNS_RESOLVER)  # type: ignore[return-value]


def fetcher() -> HttpFetcher:
    return _load(settings.CHENGXIN_HTTP_FETCHER)  # type: ignore[return-value]


@dataclass
class CheckOutcome:
    success: bool
    detail: str


def check_dns(domain: str, token: str) -> CheckOutcome:
    name = f"_chengxin.{domain}"
    try:
        values = resolver().txt(name)
    except OwnershipCheckError as exc:
        return CheckOutcome(False, str(exc))
    expected = f"chengxin-verification={token}"
    if expected in values:
        return CheckOutcome(True, f"TXT {name} = {expected}")
    return CheckOutcome(False, f"TXT {name} has no {expected} (found {len(values)} records)")


def check_http(domain: str, token: str) -> CheckOutcome:
    url = f"https://{domain}/.well-known/chengxin/{token}"
    try:
        status, body = fetcher().get(url)
    except OwnershipCheckError as exc:
        return CheckOutcome(False, str(exc))
    if status != 200:
        return CheckOutcome(False, f"GET {url} answered {status}")
    if body.decode("utf-8", "replace").strip() != token:
        return CheckOutcome(False, f"GET {url} did not return the token")
    return CheckOutcome(True, f"GET {url} returned the token")


def check_page(url: str, token: str) -> CheckOutcome:
    try:
        status, body = fetcher().get(url)
    except OwnershipCheckError as exc:
        return CheckOutcome(False, str(exc))
    if status != 200:
        return CheckOutcome(False, f"GET {url} answered {status}")
    if f"chengxin-verification={token}" not in body.decode("utf-8", "replace"):
        return CheckOutcome(False, f"the page at {url} does not show the token")
    return CheckOutcome(True, f"the page at {url} shows the token")
