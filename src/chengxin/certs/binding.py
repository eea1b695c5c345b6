"""Which web pages a certificate's seal belongs on (anti-phishing)."""

from __future__ import annotations

from urllib.parse import urlsplit


def host_of(value: str) -> str:
    """The lower-case host of a URL or a bare host name ("" if none)."""
    value = (value or "").strip()
    if not value:
        return ""
    if "://" not in value:
        value = "//" + value
    try:
        host = urlsplit(value).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".").lower()


def _bare(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


def host_matches(host: str, domains: list[str]) -> bool:
    """A verified domain covers itself, `www.` and its subdomains (whoever
    proved control of the domain controls its subdomains)."""
    host = _bare(host)
    for d in domains:
        d = _bare(d.lower())
        if host == d or host.endswith("." + d):
            return True
    return False


def shop_matches(url: str, shops: list[str]) -> bool:
    """A shop on a platform is bound to its host and path: other shops on
    the same platform host do not match. A Referer carrying only an origin
    (the browsers' default across sites) matches on the host alone."""
    try:
        parts = urlsplit(url if "://" in url else "//" + url)
    except ValueError:
        return False
    host, path = (parts.hostname or "").lower(), parts.path or "/"
    for shop in shops:
        s = urlsplit(shop)
        if (s.hostname or "").lower() != host:
            continue
        shop_path = (s.path or "/").rstrip("/")
        if path in ("", "/") or not shop_path or path == shop_path or path.startswith(shop_path + "/"):
            return True
    return False


def belongs(url_or_host: str, domains: list[str], shops: list[str]) -> bool:
    host = host_of(url_or_host)
    if not host:
        return False
    return host_matches(host, domains) or shop_matches(url_or_host, shops)
