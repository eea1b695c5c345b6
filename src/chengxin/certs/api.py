from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from chengxin.core.api import ERROR_RESPONSES, Access, Page, paginate

from . import services
from .models import Certificate, SealMisuse
from .verify import local_verifier

router = Router(tags=["certificates"])


class LevelOut(Schema):
    code: str
    name: str
    name_en: str


class CertificateOut(Schema):
    number: str
    subject_id: int
    subject_name: str
    level: LevelOut
    status: str
    status_label: str
    status_changed_at: dt.datetime
    valid_from: dt.datetime
    valid_until: dt.datetime
    domains: list[str]
    shops: list[str]
    membership_valid_from: dt.datetime | None = None
    membership_valid_until: dt.datetime | None = None
    superseded_by: str | None = None
    verification_url: str
    seal_url: str
    credential_jwt: str


class CheckOut(Schema):
    check: str
    ok: bool
    message: str


class VerifyOut(Schema):
    number: str
    valid: bool
    failed_check: str | None = None
    message: str
    checks: list[CheckOut]


class ReasonIn(Schema):
    reason: str


class MisuseOut(Schema):
    id: int
    certificate: str
    subject_id: int
    site: str
    via: str
    count: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    verdict: str


def _out(c: Certificate) -> dict[str, Any]:
    from . import seal

    return {
        "number": c.number, "subject_id": c.subject_id, "subject_name": c.subject.name,
        "level": {"code": c.level.code, "name": c.level.name, "name_en": c.level.name_en},
        "status": c.status, "status_label": str(c.get_status_display()), "status_changed_at": c.status_changed_at,
        "valid_from": c.valid_from, "valid_until": c.valid_until, "domains": c.domains, "shops": c.shops,
        "membership_valid_from": c.membership.starts_at, "membership_valid_until": c.membership.ends_at,
        "superseded_by": c.superseded_by.number if c.superseded_by else None,
        "verification_url": seal.verify_url(c.number), "seal_url": seal.seal_url(c.number), "credential_jwt": c.token,
    }


@router.get("/certificates/{number}", response={200: CertificateOut, **ERROR_RESPONSES}, auth=Access("public"),
            summary="A certificate, its live status and the signed credential")
def get_certificate(request: HttpRequest, number: str) -> dict[str, Any]:
    return _out(services.get_certificate(number))


@router.get("/certificates/{number}/verify", response={200: VerifyOut, **ERROR_RESPONSES}, auth=Access("public"),
            summary="Check signature, validity period, status list bits and (optionally) a domain")
def verify_certificate(request: HttpRequest, number: str, domain: str = Query("", max_length=300)) -> dict[str, Any]:
    cert = services.get_certificate(number)
    report = local_verifier().verify(cert.token, domain=domain)
    return {"number": cert.number, **report.as_dict()}


@router.get("/subjects/{subject_id}/certificates", response={200: list[CertificateOut], **ERROR_RESPONSES}, auth=Access("public"),
            summary="A subject's certificates, newest first")
def subject_certificates(request: HttpRequest, subject_id: int) -> list[dict[str, Any]]:
    from chengxin.registry.services import get_subject

    subject = get_subject(subject_id)
    certs = Certificate.objects.filter(subject=subject).select_related("subject", "level", "membership", "superseded_by").order_by("-issued_at", "-pk")
    return [_out(c) for c in certs]


def _change(action: str, request: HttpRequest, number: str, payload: ReasonIn) -> dict[str, Any]:
    cert = services.get_certificate(number)
    fn = {"suspend": services.suspend, "reinstate": services.reinstate, "revoke": services.revoke}[action]
    fn(actor=request.user, cert=cert, reason=payload.reason)
    return _out(services.get_certificate(number))


@router.post("/certificates/{number}/suspend", response={200: CertificateOut, **ERROR_RESPONSES}, auth=Access("certs.manage"))
def suspend(request: HttpRequest, number: str, payload: ReasonIn) -> dict[str, Any]:
    return _change("suspend", request, number, payload)


@router.post("/certificates/{number}/reinstate", response={200: CertificateOut, **ERROR_RESPONSES}, auth=Access("certs.manage"))
def reinstate(request: HttpRequest, number: str, payload: ReasonIn) -> dict[str, Any]:
    return _change("reinstate", request, number, payload)


@router.post("/certificates/{number}/revoke", response={200: CertificateOut, **ERROR_RESPONSES}, auth=Access("certs.manage"))
def revoke(request: HttpRequest, number: str, payload: ReasonIn) -> dict[str, Any]:
    return _change("revoke", request, number, payload)


@router.get("/seal-misuse", response={200: Page[MisuseOut], **ERROR_RESPONSES}, auth=Access("certs.view_staff"),
            summary="Visits from sites a seal does not belong to")
def seal_misuse(request: HttpRequest, verdict: str = Query("", max_length=20), page: int = 1, page_size: int = 50) -> dict[str, Any]:
    qs = SealMisuse.objects.select_related("certificate").order_by("-last_seen")
    if verdict:
        qs = qs.filter(verdict=verdict)
    result = paginate(qs, page=page, page_size=page_size)
    result["items"] = [{"id": m.pk, "certificate": m.certificate.number, "subject_id": m.certificate.subject_id, "site": m.site,
                        "via": m.via, "count": m.count, "first_seen": m.first_seen, "last_seen": m.last_seen, "verdict": m.verdict}
                       for m in result["items"]]
    return result
