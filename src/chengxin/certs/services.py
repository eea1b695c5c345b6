"""Issuing certificates, changing their status (one table in `states.py`),
seals, misuse records. Every change is audited with a reason; status lists
and seals are rewritten after commit (and by a sweep, should a write be lost)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from chengxin.core import clock
from chengxin.core.errors import Conflict, NotFound, ValidationFailed
from chengxin.core.permissions import check
from chengxin.credit import hooks as credit_hooks
from chengxin.ledger import services as audit

from . import keys, publish, seal, states, statuslist
from .binding import belongs, host_of
from .models import Certificate, CertificateLevel, CertStatus, Purpose, SealMisuse, StatusList

NUMBER_RE = re.compile(r"^CX\d{12}$")
CONTEXT_V2 = statuslist.CONTEXT_V2
LIVE = (CertStatus.ACTIVE, CertStatus.SUSPENDED)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _snapshot(cert: Certificate) -> dict[str, Any]:
    return {"number": cert.number, "status": cert.status, "level": cert.level_id, "valid_from": cert.valid_from,
            "valid_until": cert.valid_until, "domains": cert.domains, "shops": cert.shops, "kid": cert.kid}


# --- queries ----------------------------------------------------------------------

def parse_number(value: str) -> str:
    number = (value or "").strip().upper()
    if not NUMBER_RE.fullmatch(number):
        raise NotFound(_("“%(v)s” is not a certificate number. Numbers look like CX202600001234.") % {"v": value[:40]},
                       code="malformed_certificate_number")
    return number


def get_certificate(value: str) -> Certificate:
    number = parse_number(value)
    cert = (Certificate.objects.select_related("subject", "subject__province", "subject__city", "level", "membership", "superseded_by")
            .filter(number=number).first())
    if cert is None:
        raise NotFound(_("No certificate with number %(n)s was issued here. A seal showing this number is not genuine.") % {"n": number},
                       code="unknown_certificate")
    return cert


def certificates_of(subject: Any) -> list[Certificate]:
    return list(Certificate.objects.filter(subject=subject).select_related("level").order_by("-issued_at", "-pk"))


def current_certificate(subject: Any) -> Certificate | None:
    return Certificate.objects.filter(subject=subject, status__in=LIVE).select_related("level").order_by("-issued_at", "-pk").first()


def default_level() -> CertificateLevel:
    level = CertificateLevel.objects.filter(default_on_issue=True).order_by("position").first()
    return level or CertificateLevel.objects.order_by("-position").first()  # type: ignore[return-value]


# --- issuing ----------------------------------------------------------------------

def _bound_sites(app: Any, at: dt.datetime) -> tuple[list[str], list[str]]:
    from chengxin.registry.models import SiteKind

    sites = list(app.sites.filter(removed_at__isnull=True)) or list(app.subject.sites.filter(removed_at__isnull=True))
    verified = [s for s in sites if s.is_verified(at)]
    domains = sorted({s.domain.lower() for s in verified if s.kind != SiteKind.SHOP})
    shops = sorted({s.url for s in verified if s.kind == SiteKind.SHOP and s.url})
    return domains, shops


def _claims(cert: Certificate) -> dict[str, Any]:
    s = cert.subject
    base = settings.CHENGXIN_BASE_URL.rstrip("/")
    url_r = statuslist.list_url(Purpose.REVOCATION, cert.status_list)
    url_s = statuslist.list_url(Purpose.SUSPENSION, cert.status_list)
    subject: dict[str, Any] = {
        "id": f"{base}/s/{s.pk}",
        "type": "EcommerceSubject",
        "name": s.name,
        "region": {"province": s.province.name, "city": s.city.name if s.city else None},
        "certificateLevel": {"code": cert.level.code, "name": cert.level.name, "nameEn": cert.level.name_en},
        "domains": cert.domains,
        "shops": cert.shops,
        "membership": {"validFrom": _iso(cert.membership.starts_at or cert.valid_from), "validUntil": _iso(cert.membership.ends_at or cert.valid_until)},
    }
    if s.uscc:
        subject["unifiedSocialCreditCode"] = s.uscc
    return {
        "@context": [CONTEXT_V2],
        "id": f"{base}/v/{cert.number}",
        "type": ["VerifiableCredential", "EcommerceIntegrityCertificate"],
        "name": "电子商务诚信认证证书 · E-commerce integrity certificate",
        "issuer": {"id": base, "name": settings.CHENGXIN_ISSUER_NAME},
        "validFrom": _iso(cert.valid_from),
        "validUntil": _iso(cert.valid_until),
        "credentialSubject": subject,
        "credentialStatus": [
            {"id": f"{url_r}#{cert.revocation_index}", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
             "statusListIndex": str(cert.revocation_index), "statusListCredential": url_r},
            {"id": f"{url_s}#{cert.suspension_index}", "type": "BitstringStatusListEntry", "statusPurpose": "suspension",
             "statusListIndex": str(cert.suspension_index), "statusListCredential": url_s},
        ],
    }


def _issue(*, app: Any, actor: Any, level: CertificateLevel, reason: str) -> Certificate:
    now = clock.now()
    if app.starts_at is None or app.ends_at is None or app.ends_at <= now:
        raise Conflict(_("A certificate needs a current membership."), code="no_membership")
    domains, shops = _bound_sites(app, now)
    number_list, index = statuslist.allocate()
    key = keys.current_key()
    cert = Certificate(
        subject=app.subject, membership=app, level=level, status=CertStatus.ACTIVE, status_changed_at=now,
        valid_from=now.replace(microsecond=0), valid_until=app.ends_at.replace(microsecond=0),  # never beyond the membership
        domains=domains, shops=shops, kid=key.kid, status_list=number_list, revocation_index=index,
        suspension_index=index, issued_at=now, issued_by=actor, status_reason=reason,
    )
    for _attempt in range(10):
        cert.number = f"CX{now.year}{secrets.randbelow(10**8):08d}"
        if not Certificate.objects.filter(number=cert.number).exists():
            break
    cert.claims = _claims(cert)
    cert.token = keys.sign(cert.claims, key)
    try:
        with transaction.atomic():
            cert.save()
    except IntegrityError:  # pragma: no cover - a number or slot taken concurrently
        raise Conflict(_("Please try again."), code="retry") from None
    audit.record(actor=actor, action="certs.issue", obj=cert, after=_snapshot(cert), reason=reason)
    credit_hooks.certificate_issued(cert, actor=actor)
    transaction.on_commit(lambda: publish_seal(cert.pk))
    def _publish_lists() -> None:
        for purpose in Purpose.values:
            statuslist.publish_list(purpose, number_list)

    transaction.on_commit(_publish_lists)
    return cert


def _supersede_others(subject: Any, new: Certificate, actor: Any) -> None:
    for old in Certificate.objects.select_for_update().filter(subject=subject, status__in=LIVE).exclude(pk=new.pk):
        old.superseded_by = new
        _transition(old, "supersede", actor=actor, reason=_("replaced by certificate %(n)s") % {"n": new.number},
                    extra_fields=["superseded_by"])


@transaction.atomic
def issue_for_membership(*, app: Any, actor: Any, reason: str = "") -> Certificate:
    """A new certificate for an active membership (on activation and on
    renewal). A renewal keeps the level of the certificate it replaces."""
    previous = current_certificate(app.subject)
    level = previous.level if previous else default_level()
    cert = _issue(app=app, actor=actor, level=level, reason=reason or _("membership active"))
    _supersede_others(app.subject, cert, actor)
    return cert


@transaction.atomic
def reissue(*, actor: Any, cert: Certificate, level: str, reason: str) -> Certificate:
    """A new certificate for the same membership, e.g. at the red level once
    the subject passed the full integrity evaluation, or with newly proven
    sites. The old one is superseded."""
    check(actor, "certs.manage")
    if not reason.strip():
        raise ValidationFailed(_("Give the reason for the new certificate."), field="reason", code="required")
    new_level = CertificateLevel.objects.filter(code=level).first()
    if new_level is None:
        raise ValidationFailed(_("Choose a certificate level."), field="level", code="invalid_choice")
    cert = Certificate.objects.select_for_update().select_related("membership").get(pk=cert.pk)
    if cert.status not in LIVE:
        raise Conflict(_("Only a valid or suspended certificate can be reissued."), code="illegal_transition")
    new = _issue(app=cert.membership, actor=actor, level=new_level, reason=reason.strip())
    _supersede_others(cert.subject, new, actor)
    if cert.status == CertStatus.SUSPENDED:  # a suspension carries over
        _transition(new, "suspend", actor=actor, reason=cert.status_reason)
    return new


# --- status changes ------------------------------------------------------------------

def _transition(cert: Certificate, action: str, *, actor: Any, reason: str, extra_fields: list[str] | None = None) -> Certificate:
    to = states.target(cert.status, action)
    if to is None:
        raise Conflict(
            _("“%(action)s” is not possible while the certificate is “%(status)s”.")
            % {"action": action, "status": CertStatus(cert.status).label},
            code="illegal_transition", details={"status": cert.status, "action": action, "allowed": states.allowed_actions(cert.status)},
        )
    before = _snapshot(cert)
    old_bits, new_bits = states.BITS[cert.status], states.BITS[to]
    cert.status = to
    cert.status_reason = reason
    cert.status_changed_at = clock.now()
    cert.seal_version += 1  # every caller holds the row lock (or created the row in this transaction)
    cert.save(update_fields=["status", "status_reason", "status_changed_at", "seal_version", *(extra_fields or [])])
    for purpose, old, new in zip((Purpose.REVOCATION, Purpose.SUSPENSION), old_bits, new_bits, strict=True):
        if old != new:
            idx = cert.revocation_index if purpose == Purpose.REVOCATION else cert.suspension_index
            statuslist.set_bit(purpose, cert.status_list, idx, new)
    audit.record(actor=actor, action=f"certs.{action}", obj=cert, before=before, after=_snapshot(cert), reason=reason)
    pk = cert.pk
    transaction.on_commit(lambda: publish_seal(pk))
    return cert


def _staff_change(action: str, *, actor: Any, cert: Certificate, reason: str) -> Certificate:
    check(actor, "certs.manage")
    if not reason.strip():
        raise ValidationFailed(_("Give the reason."), field="reason", code="required")
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=cert.pk)
        return _transition(locked, action, actor=actor, reason=reason.strip())


def suspend(*, actor: Any, cert: Certificate, reason: str) -> Certificate:
    """E.g. pending an investigation."""
    return _staff_change("suspend", actor=actor, cert=cert, reason=reason)


def reinstate(*, actor: Any, cert: Certificate, reason: str) -> Certificate:
    return _staff_change("reinstate", actor=actor, cert=cert, reason=reason)


def revoke(*, actor: Any, cert: Certificate, reason: str) -> Certificate:
    return _staff_change("revoke", actor=actor, cert=cert, reason=reason)


def on_membership_transition(app: Any, action: str, *, actor: Any, reason: str) -> None:
    """Called by the membership service after each of its transitions, in
    the same transaction."""
    if action == "activate":
        issue_for_membership(app=app, actor=actor, reason=reason)
        return
    mapping = {"suspend": "suspend", "reinstate": "reinstate", "terminate": "revoke", "expire": "expire"}
    cert_action = mapping.get(action)
    if cert_action is None:
        return
    for cert in Certificate.objects.select_for_update().filter(membership=app).exclude(status__in=(CertStatus.REVOKED, CertStatus.EXPIRED)):
        if states.target(cert.status, cert_action) is not None:
            _transition(cert, cert_action, actor=actor, reason=reason or action)


def revoke_for_subject(*, subject: Any, actor: Any, reason: str) -> int:
    """Revoke every certificate of a subject that is still in force (e.g. on
    blacklisting). Runs in the caller's transaction."""
    count = 0
    for cert in Certificate.objects.select_for_update().filter(subject=subject, status__in=(*LIVE, CertStatus.SUPERSEDED)):
        _transition(cert, "revoke", actor=actor, reason=reason)
        count += 1
    return count


def expire_due() -> int:
    """Idempotent sweep: certificates past their validUntil become expired."""
    now = clock.now()
    count = 0
    for pk in Certificate.objects.filter(valid_until__lte=now, status__in=(*LIVE, CertStatus.SUPERSEDED)).values_list("pk", flat=True):
        with transaction.atomic():
            cert = Certificate.objects.select_for_update().get(pk=pk)
            if cert.valid_until <= now and states.target(cert.status, "expire"):
                _transition(cert, "expire", actor=None, reason=_("validity period ended"))
                count += 1
    return count


# --- published artifacts ----------------------------------------------------------------

def publish_seal(pk: int, *, force: bool = False) -> bool:
    with transaction.atomic():
        cert = Certificate.objects.select_for_update().select_related("level").get(pk=pk)
        path = seal.seal_path(cert.number)
        if not force and cert.seal_published_version == cert.seal_version and publish.exists(path):
            return False
        publish.write(path, seal.render(cert).encode())
        Certificate.objects.filter(pk=pk).update(seal_published_version=cert.seal_version)
    return True


def publish_pending(*, force: bool = False) -> dict[str, int]:
    """Rewrite every artifact whose file is behind its record (a write lost
    in a crash, a new public directory); `force` rewrites all."""
    done = {"status_lists": 0, "seals": 0}
    for purpose, number in StatusList.objects.values_list("purpose", "number"):
        done["status_lists"] += statuslist.publish_list(purpose, number, force=force)
    qs = Certificate.objects.all() if force else Certificate.objects.exclude(seal_published_version=F("seal_version"))
    for pk in qs.values_list("pk", flat=True):
        done["seals"] += publish_seal(pk, force=force)
    return done


# --- the verification page's view of a visit --------------------------------------------------

def origin_verdict(cert: Certificate, *, referer: str, site: str, own_host: str) -> dict[str, Any]:
    """Where the visitor came from, compared with the sites the seal is
    bound to: "confirmed" (the Referer is a bound site), "claimed" (no
    Referer; the seal link names a bound site), "mismatch" (a page that is
    not a bound site), or "unknown"."""
    return origin_verdict_for(cert.domains, cert.shops, referer=referer, site=site, own_host=own_host)


def origin_verdict_for(domains: list[str], shops: list[str], *, referer: str, site: str, own_host: str) -> dict[str, Any]:
    ref_host = host_of(referer)
    if ref_host and ref_host != host_of(own_host):
        ok = belongs(referer, domains, shops)
        return {"verdict": "confirmed" if ok else "mismatch", "site": ref_host, "via": "referer", "url": referer[:500]}
    site_host = host_of(site)
    if site_host:
        ok = belongs(site, domains, shops)
        return {"verdict": "claimed" if ok else "mismatch", "site": site_host, "via": "site", "url": site[:500]}
    return {"verdict": "unknown", "site": "", "via": "", "url": ""}


def record_misuse(cert: Certificate, *, site: str, via: str, url: str) -> None:
    """Count a visit from a page the seal does not belong to."""
    now = clock.now()
    updated = SealMisuse.objects.filter(certificate=cert, site=site).update(count=F("count") + 1, last_seen=now)
    if updated:
        return
    try:
        with transaction.atomic():
            SealMisuse.objects.create(certificate=cert, site=site[:253], via=via, example_url=url[:500], first_seen=now, last_seen=now)
    except IntegrityError:  # created concurrently
        SealMisuse.objects.filter(certificate=cert, site=site).update(count=F("count") + 1, last_seen=now)


@transaction.atomic
def review_misuse(*, actor: Any, misuse: SealMisuse, verdict: str, note: str = "") -> SealMisuse:
    check(actor, "certs.manage")
    if verdict not in (SealMisuse.Verdict.PHISHING, SealMisuse.Verdict.BENIGN):
        raise ValidationFailed(_("Choose phishing or harmless."), field="verdict", code="invalid_choice")
    before = {"verdict": misuse.verdict, "note": misuse.note}
    misuse.verdict = verdict
    misuse.note = note.strip()
    misuse.reviewed_at = clock.now()
    misuse.reviewed_by = actor
    misuse.save(update_fields=["verdict", "note", "reviewed_at", "reviewed_by"])
    audit.record(actor=actor, action="certs.misuse_review", obj=misuse, before=before,
                 after={"verdict": verdict, "note": misuse.note, "site": misuse.site}, reason=note)
    return misuse


def embed_snippet(cert: Certificate, site: str = "") -> str:
    from urllib.parse import quote

    from django.utils.html import escape

    href = seal.verify_url(cert.number) + (f"?site={quote(site, safe='')}" if site else "")
    alt = f"{cert.level.name} · {cert.subject.name}"
    return (f'<a href="{escape(href)}" target="_blank" rel="noopener" referrerpolicy="strict-origin-when-cross-origin">'
            f'<img src="{escape(seal.seal_url(cert.number))}" width="260" height="96" alt="{escape(alt)}"></a>')
