from __future__ import annotations

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

from . import keys, publish, seal, services, states
from .models import Certificate, CertificateLevel, CertStatus, SealMisuse

NO_FRAMES = "frame-ancestors 'none'"


def _no_frames(response: HttpResponse) -> HttpResponse:
    response["X-Frame-Options"] = "DENY"
    response["Content-Security-Policy"] = NO_FRAMES
    return response


# --- public -----------------------------------------------------------------------------

@requires(EVERYONE)
def verify_page(request: HttpRequest, number: str) -> HttpResponse:
    """The click-through page of a seal: live status, bound sites, and a
    warning when the visitor came from a page the seal does not belong to."""
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
    response = render(request, "certs/verify.html", {
        "cert": cert, "origin": origin, "in_force": in_force, "now": now,
        "expired": cert.status == CertStatus.EXPIRED or now >= cert.valid_until,
        "subject_claims": cert.claims.get("credentialSubject", {}),
        "membership": cert.membership,
    })
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
        for err in exc.errors or [{"message": exc.message}]:
            messages.error(request, str(err["message"]))
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
        messages.error(request, str(exc.message))
    return redirect("certs:misuse")
