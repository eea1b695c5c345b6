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


# --- bigram tokens for the indexed substring search --------------------------
#
# Every pair of adjacent characters of each whitespace-separated part of
# `search_text` becomes one token of ASCII letters (each code point written in
# base 26 with 5 letters), so SQLite FTS5 (unicode61 tokenizer) and PostgreSQL
# (the 'simple' text search configuration) see plain lower-case words whatever
# the script. A string of two or more characters without whitespace is a
# substring of a part exactly when its bigram tokens are a phrase (consecutive
# tokens) of that part's tokens. The word SEPARATOR between parts keeps phrases
# from running across two parts.
#
# PostgreSQL stores at most 255 positions per word and no position above 16383
# in a tsvector. A text whose tokens go past either limit is stored as the
# single word OVERFLOW instead, and search checks such rows with a substring
# test (services.search_subjects), so results stay exact on both databases.

SEPARATOR = "sep"
OVERFLOW = "ovfl"
MAX_POSITIONS = 16383
MAX_PER_TOKEN = 255


def _code(ch: str) -> str:
    n = ord(ch)  # at most 0x10FFFF < 26**5
    letters = []
    for _ in range(5):
        n, r = divmod(n, 26)
        letters.append(chr(97 + r))
    return "".join(letters)


def bigram_tokens(text: str) -> list[str]:
    """One token per pair of adjacent characters of `text`."""
    codes = [_code(ch) for ch in text]
    return [a + b for a, b in zip(codes, codes[1:], strict=False)]


def search_grams(search_text: str) -> str:
    """The indexed form of a subject's `search_text` (see above)."""
    parts: list[list[str]] = []
    seen: set[str] = set()
    for part in search_text.split():
        if len(part) >= 2 and part not in seen:  # the same part twice adds no phrase
            seen.add(part)
            parts.append(bigram_tokens(part))
    words: list[str] = []
    for tokens in parts:
        if words:
            words.append(SEPARATOR)
        words.extend(tokens)
    counts: dict[str, int] = {}
    for tokens in parts:  # SEPARATOR's own positions do not matter: it is never searched
        for token in tokens:
            counts[token] = counts.get(token, 0) + 1
    if len(words) > MAX_POSITIONS or (counts and max(counts.values()) > MAX_PER_TOKEN):
        return OVERFLOW
    return " ".join(words)
