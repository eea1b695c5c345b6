"""Verifying a certificate: signature (trusted keys only, a fixed algorithm
allow-list), validity period, status list bits (the status list's own
signature checked too) and, optionally, the domain it is shown on. Each
check says what it found; the first failure explains the verdict.

Deliberately small and fast (one Ed25519 verification per certificate, the
status lists verified once and cached per verifier); tests check the same
certificates with an independent JOSE library."""

from __future__ import annotations

import base64
import datetime as dt
import json
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from .binding import belongs
from .keys import ALLOWED_ALGS

MAX_TOKEN = 64 * 1024
MAX_FETCH = 2 * 1024 * 1024


@dataclass
class Check:
    """One check's result. The message is translated when it is read, not
    when the check runs (verifying thousands of certificates in a batch
    should not pay for messages nobody reads)."""

    name: str  # format, signature, validity, status, domain
    ok: bool
    text: str  # a message id (with `params`) or, without params, the message itself
    params: dict[str, Any] | None = None

    @property
    def message(self) -> str:
        return _(self.text) % self.params if self.params is not None else self.text

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "message": self.message}


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    claims: dict[str, Any] | None = None
    header: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def first_failure(self) -> Check | None:
        return next((c for c in self.checks if not c.ok), None)

    def as_dict(self) -> dict[str, Any]:
        failure = self.first_failure
        return {"valid": self.ok, "failed_check": failure.name if failure else None,
                "message": failure.message if failure else _("The certificate is genuine and in force."),
                "checks": [c.as_dict() for c in self.checks]}


class Invalid(Exception):
    def __init__(self, message: str, check: str = "signature"):
        super().__init__(message)
        self.check = check


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _parse_time(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise Invalid("missing")
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def http_fetch(url: str) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise Invalid(f"not an http(s) URL: {url[:80]}")
    req = urllib.request.Request(url, headers={"Accept": "application/vc+jwt, application/jwt, application/json"})  # noqa: S310
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - scheme checked above
        data: bytes = resp.read(MAX_FETCH + 1)
    if len(data) > MAX_FETCH:
        raise Invalid("document too large")
    return data


class Verifier:
    def __init__(self, jwks: dict[str, Any], *, fetch: Callable[[str], bytes] = http_fetch,
                 now: Callable[[], dt.datetime] | None = None):
        self.keys: dict[str, Ed25519PublicKey] = {}
        for jwk in jwks.get("keys", []):
            if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and jwk.get("kid") and jwk.get("x"):
                self.keys[jwk["kid"]] = Ed25519PublicKey.from_public_bytes(_b64(jwk["x"]))
        self.fetch = fetch
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self._lists: dict[str, tuple[str, bytes] | Invalid] = {}
        self._headers: dict[str, dict[str, Any]] = {}  # the few distinct headers (one per key)

    # -- the JWS itself ---------------------------------------------------------------
    def _open(self, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """Header and payload of a compact JWS whose signature verifies with a
        trusted key; raises Invalid with the reason otherwise."""
        token = token.strip()
        if len(token) > MAX_TOKEN:
            raise Invalid(_("The document is too large to be a certificate."), "format")
        parts = token.split(".")
        if len(parts) != 3:
            raise Invalid(_("Not a signed certificate: expected three base64url parts separated by dots."), "format")
        try:
            header = self._headers.get(parts[0])
            if header is None:
                header = json.loads(_b64(parts[0]))
                if isinstance(header, dict) and len(self._headers) < 64:
                    self._headers[parts[0]] = header
            payload = json.loads(_b64(parts[1]))
            signature = _b64(parts[2])
        except (ValueError, TypeError):
            raise Invalid(_("Not a signed certificate: a part is not valid base64url JSON."), "format") from None
        if not isinstance(header, dict) or not isinstance(payload, dict):
            raise Invalid(_("Not a signed certificate: the header or the payload is not a JSON object."), "format")
        alg = header.get("alg")
        if alg not in ALLOWED_ALGS:
            raise Invalid(_("Signature algorithm “%(alg)s” is not accepted (only %(allowed)s).") % {"alg": str(alg)[:20], "allowed": ", ".join(ALLOWED_ALGS)})
        if header.get("typ") != "vc+jwt":
            raise Invalid(_("Wrong document type “%(typ)s” (expected vc+jwt).") % {"typ": str(header.get("typ"))[:20]})
        key = self.keys.get(str(header.get("kid")))
        if key is None:
            raise Invalid(_("Signed by an unknown key (%(kid)s): not issued by this platform.") % {"kid": str(header.get("kid"))[:40]})
        try:
            key.verify(signature, f"{parts[0]}.{parts[1]}".encode())
        except InvalidSignature:
            raise Invalid(_("The signature does not match: the certificate was altered or forged.")) from None
        return header, payload

    # -- status lists ----------------------------------------------------------------------
    def _status_list(self, url: str, purpose: str) -> bytes:
        cached = self._lists.get(url)
        if cached is None:
            try:
                try:
                    token = self.fetch(url).decode()
                except Invalid:
                    raise
                except Exception as exc:  # noqa: BLE001 - network, file system: all say the same
                    raise Invalid(_("The status list %(url)s could not be fetched (%(err)s).") % {"url": url, "err": type(exc).__name__}) from None
                try:
                    _h, body = self._open(token)
                except Invalid as exc:
                    raise Invalid(_("The status list is not genuine: %(why)s") % {"why": exc}) from None
                subject = body.get("credentialSubject") or {}
                if "BitstringStatusListCredential" not in (body.get("type") or []) or body.get("id") != url:
                    raise Invalid(_("The status list at %(url)s is not the one the certificate points to.") % {"url": url})
                from .statuslist import decode

                try:
                    bits = decode(subject.get("encodedList", ""))
                except (ValueError, OSError, EOFError):
                    raise Invalid(_("The status list's bitstring cannot be decoded.")) from None
                cached = (str(subject.get("statusPurpose")), bits)
            except Invalid as exc:
                cached = exc
            self._lists[url] = cached
        if isinstance(cached, Invalid):
            raise cached
        list_purpose, bits = cached
        if list_purpose != purpose:
            raise Invalid(_("The status list at %(url)s is for “%(p)s”, not “%(q)s”.") % {"url": url, "p": list_purpose, "q": purpose})
        return bits

    # -- the whole verification -----------------------------------------------------------
    def verify(self, token: str, *, domain: str = "") -> Report:
        report = Report()
        try:
            header, claims = self._open(token)
        except Invalid as exc:
            report.checks.append(Check(exc.check, False, str(exc)))
            return report
        report.header, report.claims = header, claims
        report.checks.append(Check("signature", True, N_("Signed by this platform's key %(kid)s."), {"kid": header["kid"]}))
        report.checks.append(self._validity(claims))
        report.checks.append(self._status(claims))
        if domain:
            subject = claims.get("credentialSubject") or {}
            ok = belongs(domain, list(subject.get("domains") or []), list(subject.get("shops") or []))
            report.checks.append(Check("domain", ok, N_("%(d)s is one of the certified sites.") if ok else
                                       N_("%(d)s is not one of the certified sites: this seal does not belong there."), {"d": domain[:200]}))
        return report

    def _validity(self, claims: dict[str, Any]) -> Check:
        try:
            start, end = _parse_time(claims.get("validFrom")), _parse_time(claims.get("validUntil"))
        except (Invalid, ValueError):
            return Check("validity", False, _("The validity period is missing or malformed."))
        now = self.now()
        if now < start:
            return Check("validity", False, _("Not valid before %(t)s.") % {"t": start.isoformat()})
        if now >= end:
            return Check("validity", False, _("Expired on %(t)s.") % {"t": end.isoformat()})
        return Check("validity", True, N_("Valid from %(a)s until %(b)s."), {"a": start.date().isoformat(), "b": end.date().isoformat()})

    def _status(self, claims: dict[str, Any]) -> Check:
        entries = claims.get("credentialStatus")
        if isinstance(entries, dict):
            entries = [entries]
        if not entries:
            return Check("status", False, _("The certificate names no status list."))
        for entry in entries:
            try:
                purpose = entry["statusPurpose"]
                index = int(entry["statusListIndex"])
                bits = self._status_list(entry["statusListCredential"], purpose)
            except Invalid as exc:
                return Check("status", False, str(exc))
            except (KeyError, TypeError, ValueError):
                return Check("status", False, _("A status entry is malformed."))
            if not 0 <= index < len(bits) * 8:
                return Check("status", False, _("The status index is outside the list."))
            if bits[index // 8] & (0x80 >> (index % 8)):
                msg = _("Revoked.") if purpose == "revocation" else _("Suspended.") if purpose == "suspension" else purpose
                return Check("status", False, msg)
        return Check("status", True, N_("Neither revoked nor suspended."), {})


def local_fetch(url: str) -> bytes:
    """Fetch a published artifact of this platform from its public directory
    (no network), anything else over HTTP."""
    from django.conf import settings

    from . import publish, statuslist

    prefix = settings.CHENGXIN_BASE_URL.rstrip("/") + "/pub/"
    if url.startswith(prefix):
        rel = url[len(prefix):]
        parts = rel.split("/")
        if len(parts) == 3 and parts[0] == "status" and parts[2].endswith(".jwt") and parts[2][:-4].isdigit():
            return statuslist.signed_list(parts[1], int(parts[2][:-4])).encode()
        return publish.read(rel)
    return http_fetch(url)


def local_verifier() -> Verifier:
    """A verifier trusting this platform's keys, reading its own artifacts."""
    from chengxin.core import clock

    from .keys import jwks

    return Verifier(jwks(), fetch=local_fetch, now=clock.now)
