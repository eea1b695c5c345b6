"""Ranking pages (诚信企业榜): the live ranking with its filters (works
without JavaScript), published editions, and the staff form that publishes
an edition of the ranking on screen."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chengxin.core.errors import ChengxinError, NotAuthenticated, PermissionDenied, ValidationFailed
from chengxin.core.permissions import EVERYONE, has_perm, requires
from chengxin.registry.models import Industry, Region
from chengxin.web.feedback import flash_error

from . import rankings, services

PER_PAGE = 20
FILTER_KEYS = ("province", "city", "industry")


def _choices(f: rankings.Filters | None) -> dict[str, Any]:
    """Provinces and industries; the cities of the chosen province, or all
    cities grouped by province when none is chosen (a city alone is enough)."""
    provinces = list(Region.objects.filter(level="province"))
    cities = Region.objects.filter(level="city").select_related("parent")
    if f is not None and f.province is not None:
        city_groups = [(f.province.label, list(cities.filter(parent=f.province)))]
    else:
        by_parent: dict[str, list[Region]] = {}
        for c in cities:
            by_parent.setdefault(c.parent_id or "", []).append(c)
        city_groups = [(p.label, by_parent[p.code]) for p in provinces if p.code in by_parent]
    return {"provinces": provinces, "city_groups": city_groups, "industries": list(Industry.objects.all())}


def _default_title(f: rankings.Filters) -> str:
    parts = [_("Integrity ranking"), *f.labels(), services.today().isoformat()]
    return " · ".join(parts)


@requires(EVERYONE)
def live(request: HttpRequest) -> HttpResponse:
    raw = {k: request.GET.get(k, "") for k in FILTER_KEYS}
    policy = services.active_policy()
    f: rankings.Filters | None
    error: ValidationFailed | None = None
    try:
        f = rankings.clean_filters(raw["province"], raw["city"], raw["industry"])
    except ValidationFailed as exc:
        f, error = None, exc
    page = rows = None
    if f is not None:
        page = Paginator(rankings.ranked_ids(f, policy=policy), PER_PAGE).get_page(request.GET.get("page") or 1)
        rows = rankings.page_rows(rankings.load(list(page.object_list)), (page.number - 1) * PER_PAGE)
    selected = f.codes() if f is not None else {k: raw[k].strip()[:20] for k in FILTER_KEYS}
    can_publish = has_perm(request.user, "credit.publish") and f is not None and bool(rows)
    return render(request, "credit/rankings.html", {
        "page": page, "rows": rows, "error": error, "selected": selected, "scope": f.labels() if f else [],
        "criteria": rankings.criteria(policy), "policy_version": policy.version, "as_of": services.today(),
        "params": urlencode({k: v for k, v in selected.items() if v}),
        "can_publish": can_publish, "default_title": _default_title(f) if can_publish and f else "",
        **_choices(f),
    }, status=error.status if error else 200)


@require_POST
@requires("credit.publish")
def publish(request: HttpRequest) -> HttpResponse:
    filters = {k: request.POST.get(k, "") for k in FILTER_KEYS}
    try:
        edition = rankings.publish(actor=request.user, filters=filters, title=request.POST.get("title", ""))
    except (PermissionDenied, NotAuthenticated):
        raise
    except ChengxinError as exc:
        flash_error(request, exc)
        query = urlencode({k: str(v)[:20] for k, v in filters.items() if v})
        return redirect(reverse("rankings:live") + (f"?{query}" if query else ""))
    messages.success(request, _("The ranking was published. This edition will not change."))
    return redirect("rankings:edition", pk=edition.pk)


@requires(EVERYONE)
def editions(request: HttpRequest) -> HttpResponse:
    page = Paginator(rankings.editions(), PER_PAGE).get_page(request.GET.get("page") or 1)
    items = [{"edition": e, "scope": rankings.edition_scope(e), "count": len(e.rows)} for e in page.object_list]
    return render(request, "credit/editions.html", {"page": page, "items": items})


@requires(EVERYONE)
def edition(request: HttpRequest, pk: int) -> HttpResponse:
    e = rankings.get_edition(pk)
    return render(request, "credit/edition.html", {
        "edition": e, "scope": rankings.edition_scope(e), "criteria": e.criteria or {}, "rows": e.rows,
        "intact": rankings.intact(e),
    })
