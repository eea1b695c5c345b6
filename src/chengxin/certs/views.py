from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chengxin.core import clock
from chengxin.core.errors import ChengxinError, NotFound, PermissionDenied
from chengxin.core.permissions import EVERYONE, has_perm, requires
from chengxin.ledger import services as audit
from chengxin.web.feedback import flash_error

from . import keys, publish, seal, services, states
from .models import Certificate, CertificateLevel, CertStatus, SealMisuse

NO_FRAMES = "frame-ancestors 'none'"


def _no_frames(response: HttpResponse) -> HttpResponse:
    response["X-Frame-Options"] = "DENY"
    response["Content-Security-Policy"] = NO_FRAMES
    return response


# --- public -----------------------------------------------------------------------------

CSRF_SENTINEL = "chengxin-csrf-sentinel"
PAGE_CACHE_SECONDS = 60


def _stamp(number: str) -> dict[str, Any] | None:
    """What the page depends on, read with one small query: a change of
    status (seal_version), of the holder's record (updated_at) or passing
    validUntil gives the cached page a new key."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.seal_version, c.valid_until, s.updated_at, c.domains, c.shops FROM certs_certificate c"
            " JOIN registry_subject s ON s.id = c.subject_id WHERE c.number = %s", [number])
        row = cur.fetchone()
    if row is None:
        return None
    version, valid_until, updated_at, domains, shops = row
    if isinstance(valid_until, str):
        valid_until = dt.datetime.fromisoformat(valid_until)
    if valid_until.tzinfo is None:
        valid_until = valid_until.replace(tzinfo=dt.UTC)
    return {"version": version, "valid_until": valid_until, "updated": str(updated_at),
            "domains": json.loads(domains) if isinstance(domains, str) else domains,
            "shops": json.loads(shops) if isinstance(shops, str) else shops}


def _digest(parts: list[str]) -> str:
    import hashlib

    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _cacheable(request: HttpRequest) -> bool:
    """Anonymous visitors without a session or pending messages all see the
    same page (the CSRF token of the language switch is put in per request)."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "messages" not in request.COOKIES


@requires(EVERYONE)
def verify_page(request: HttpRequest, number: str) -> HttpResponse:
    """The click-through page of a seal: live status, bound sites, and a
    warning when the visitor came from a page the seal does not belong to.
    Anonymous visits are served from a per-process cache keyed by everything
    the page shows, so a status change shows at once."""
    from django.core.cache import cache
    from django.middleware.csrf import get_token
    from django.utils.translation import get_language

    key = None
    canonical = (number or "").strip().upper()
    if _cacheable(request) and services.NUMBER_RE.fullmatch(canonical):
        stamp = _stamp(canonical)
        if stamp is not None:
            origin = services.origin_verdict_for(stamp["domains"], stamp["shops"], referer=request.headers.get("Referer", ""),
                                                 site=request.GET.get("site", "")[:300], own_host=request.get_host())
            if origin["verdict"] != "mismatch":
                expired = clock.now() >= stamp["valid_until"]
                key = "certs.v:" + canonical + ":" + _digest(["certs.v", canonical, str(stamp["version"]), stamp["updated"], str(expired), get_language() or "",
                                origin["verdict"], origin["site"] if origin["verdict"] in ("confirmed", "claimed") else ""])
                body = cache.get(key)
                if body is not None:
                    return _page_response(HttpResponse(body.replace(CSRF_SENTINEL, get_token(request))))
    try:
        cert = services.get_certificate(number)
    except NotFound as exc:
        return _no_frames(render(request, "certs/unknown.html", {"message": exc.message, "number": number[:40]}, status=404))
    origin = services.origin_verdict(cert, referer=request.headers.get("Referer", ""),
                                     site=request.GET.get("site", "")[:300], own_host=request.get_host())
    if origin["verdict"] == "mismatch":
        services.record_misuse(cert, site=origin["site"], via=origin["via"], url=origin["url"])
    now = clock.now()
    in_force = cert.status in (CertStatus.ACTIVE, CertStatus.SUPERSEDED) and cert.valid_from <= now < cert.valid_until
    context = {
        "cert": cert, "origin": origin, "in_force": in_force, "now": now,
        "expired": cert.status == CertStatus.EXPIRED or now >= cert.valid_until,
        "subject_claims": cert.claims.get("credentialSubject", {}),
        "membership": cert.membership,
    }
    if key is not None:
        context["csrf_token"] = CSRF_SENTINEL
        response = render(request, "certs/verify.html", context)
        body = response.content.decode()
        cache.set(key, body, PAGE_CACHE_SECONDS)
        response.content = body.replace(CSRF_SENTINEL, get_token(request)).encode()
    else:
        response = render(request, "certs/verify.html", context)
    return _page_response(response)


def _page_response(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Vary"] = "Referer, Cookie, Accept-Language"
    return _no_frames(response)


@requires(EVERYONE)
def certificate_jwt(request: HttpRequest, number: str) -> HttpResponse:
    try:
        cert = services.get_certificate(number)
    except NotFound as exc:
        return JsonResponse({"code": exc.code, "message": str(exc.message)}, status=404, json_dumps_params={"ensure_ascii": False})
    response = HttpResponse(cert.token, content_type="application/vc+jwt")
    response["Content-Disposition"] = f'attachment; filename="{cert.number}.jwt"'
    return response


@requires(EVERYONE)
def jwks_view(request: HttpRequest) -> HttpResponse:
    keys.current_key()  # publish a key before anyone needs one
    response = JsonResponse(keys.jwks())
    response["Cache-Control"] = f"public, max-age={settings.CHENGXIN_PUBLIC_MAX_AGE}"
    return response


UNKNOWN_SEAL = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="260" height="96" viewBox="0 0 260 96">'
    '<rect x="1" y="1" width="258" height="94" rx="10" fill="#fff" stroke="#b00020" stroke-width="2"/>'
    '<text x="130" y="44" text-anchor="middle" font-size="16" font-weight="700" fill="#b00020" font-family="sans-serif">未知证书 · Unknown certificate</text>'
    '<text x="130" y="68" text-anchor="middle" font-size="11" fill="#444" font-family="sans-serif">此标识不是本平台颁发的 · not issued by this platform</text></svg>'
)


@requires(EVERYONE)
def public_file(request: HttpRequest, path: str) -> HttpResponse | FileResponse:
    """Serves /pub/ when no static file server is in front (development,
    tests); `chengxin serve` lets granian serve these files directly."""
    try:
        target = publish.path_of(path)
    except ValueError:
        target = None
    if target is None or not target.is_file():
        if path.startswith("seal/") and path.endswith(".svg"):
            response = HttpResponse(UNKNOWN_SEAL, content_type="image/svg+xml", status=404)
            response["Cache-Control"] = "no-store"
            return response
        raise NotFound(_("There is no such published file."))
    content_type = "image/svg+xml" if path.endswith(".svg") else "application/vc+jwt" if path.endswith(".jwt") else "application/octet-stream"
    file_response = FileResponse(target.open("rb"), content_type=content_type)
    file_response["Cache-Control"] = f"public, max-age={settings.CHENGXIN_PUBLIC_MAX_AGE}"
    return file_response


# --- member console ------------------------------------------------------------------------

@requires("certs.embed")
def my_certificates(request: HttpRequest) -> HttpResponse:
    rows = []
    for subject in request.user.subjects.all():  # type: ignore[union-attr]
        certs = services.certificates_of(subject)
        current = next((c for c in certs if c.status in services.LIVE), None)
        snippets = []
        if current is not None:
            targets = current.domains + current.shops or [""]
            snippets = [{"site": t, "html": services.embed_snippet(current, t)} for t in targets]
        rows.append({"subject": subject, "current": current, "history": certs, "snippets": snippets})
    return render(request, "certs/mine.html", {"rows": rows, "base_url": settings.CHENGXIN_BASE_URL})


# --- staff ------------------------------------------------------------------------------------

@requires("certs.view_staff")
def staff_list(request: HttpRequest) -> HttpResponse:
    qs = Certificate.objects.select_related("subject", "level").order_by("-issued_at", "-pk")
    status = request.GET.get("status", "")
    if status in CertStatus.values:
        qs = qs.filter(status=status)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(number__iexact=q) | Q(subject__name__contains=q) | Q(subject__uscc=q.upper()))
    page = Paginator(qs, 50).get_page(request.GET.get("page") or 1)
    query = request.GET.copy()
    query.pop("page", None)
    open_misuse = SealMisuse.objects.filter(verdict=SealMisuse.Verdict.OPEN).count()
    return render(request, "certs/staff_list.html", {"page": page, "statuses": CertStatus.choices, "status": status, "q": q,
                                                      "params": query.urlencode(), "open_misuse": open_misuse})


@requires("certs.view_staff")
def staff_certificate(request: HttpRequest, number: str) -> HttpResponse:
    cert = services.get_certificate(number)
    return render(request, "certs/staff_certificate.html", {
        "cert": cert, "allowed": states.allowed_actions(cert.status), "levels": CertificateLevel.objects.all(),
        "can_manage": has_perm(request.user, "certs.manage"), "history": audit.history(cert),
        "misuses": cert.misuses.all()[:50], "seal_svg": seal.render(cert),
    })


STAFF_ACTIONS: dict[str, Any] = {
    "suspend": lambda r, c: services.suspend(actor=r.user, cert=c, reason=r.POST.get("reason", "")),
    "reinstate": lambda r, c: services.reinstate(actor=r.user, cert=c, reason=r.POST.get("reason", "")),
    "revoke": lambda r, c: services.revoke(actor=r.user, cert=c, reason=r.POST.get("reason", "")),
    "reissue": lambda r, c: services.reissue(actor=r.user, cert=c, level=r.POST.get("level", ""), reason=r.POST.get("reason", "")),
}


@require_POST
@requires("certs.view_staff")
def staff_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    cert = services.get_certificate(number)
    handler = STAFF_ACTIONS.get(action)
    if handler is None:
        raise NotFound(_("Unknown action."))
    try:
        result = handler(request, cert)
        messages.success(request, _("Done."))
    except ChengxinError as exc:
        if exc.status == 403:
            raise
        flash_error(request, exc)
        return redirect("certs:staff_certificate", number=cert.number)
    return redirect("certs:staff_certificate", number=result.number)


@requires("certs.view_staff")
def misuse_list(request: HttpRequest) -> HttpResponse:
    verdict = request.GET.get("verdict", SealMisuse.Verdict.OPEN)
    qs = SealMisuse.objects.select_related("certificate", "certificate__subject").order_by("-last_seen")
    if verdict in SealMisuse.Verdict.values:
        qs = qs.filter(verdict=verdict)
    page = Paginator(qs, 50).get_page(request.GET.get("page") or 1)
    return render(request, "certs/misuse.html", {"page": page, "verdict": verdict, "verdicts": SealMisuse.Verdict.choices,
                                                 "can_manage": has_perm(request.user, "certs.manage")})


@require_POST
@requires("certs.view_staff")
def misuse_review(request: HttpRequest, pk: int) -> HttpResponse:
    misuse = SealMisuse.objects.filter(pk=pk).first()
    if misuse is None:
        raise NotFound(_("No such record."))
    try:
        services.review_misuse(actor=request.user, misuse=misuse, verdict=request.POST.get("verdict", ""), note=request.POST.get("note", ""))
        messages.success(request, _("Done."))
    except ChengxinError as exc:
        if isinstance(exc, PermissionDenied):
            raise
        flash_error(request, exc)
    return redirect("certs:misuse")
