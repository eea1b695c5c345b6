"""Normalisation of names and domains for matching and search."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

_PUNCT = re.compile(r"[\s\u3000·•．.,，、()（）\[\]【】《》<>\"'“”‘’!！?？:：;；\-_/\\]+")


def name_key(value: str) -> str:
    """NFKC (full-width to half-width), case-folded, spaces and punctuation
    removed: the form names are searched and compared in."""
    value = unicodedata.normalize("NFKC", value or "").casefold()
    return _PUNCT.sub("", value)


class DomainError(ValueError):
    pass


_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalize_domain(value: str) -> str:
    """Accept a bare domain or a URL; return the lower-case ASCII (IDNA)
    host name without a trailing dot or `www.`-less rewriting."""
    raw = unicodedata.normalize("NFKC", (value or "").strip())
    if not raw:
        raise DomainError("empty")
    if "://" not in raw:
        raw = "http://" + raw
    try:
        host = urlsplit(raw).hostname or ""
    except ValueError as exc:
        raise DomainError(str(exc)) from None
    host = host.rstrip(".")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise DomainError(str(exc)) from None
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(lbl) for lbl in labels) or labels[-1].isdigit():
        raise DomainError(host)
    if len(host) > 253:
        raise DomainError(host)
    return host
