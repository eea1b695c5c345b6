from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from chengxin.core.api import ERROR_RESPONSES, Access, Page, paginate
from chengxin.core.permissions import has_perm

from . import services
from .models import Industry, Region, Site, VerificationMethod

router = Router(tags=["registry"])


class SiteOut(Schema):
    kind: str
    domain: str
    url: str | None = None
    platform: str | None = None
    name: str | None = None
    verified: bool
    verified_at: dt.datetime | None = None
    verified_until: dt.datetime | None = None
    verified_method: str | None = None


class SubjectOut(Schema):
    id: int
    kind: str
    name: str
    uscc: str | None = None
    legal_representative: str
    address: str
    province: str
    province_name: str
    city: str | None = None
    city_name: str | None = None
    industry: str | None = None
    industry_name: str | None = None
    status: str
    registered_at: dt.datetime
    sites: list[SiteOut]


class SubjectStaffOut(SubjectOut):
    contact_name: str
    contact_phone: str
    contact_email: str
    id_number_masked: str | None = None


class SubjectIn(Schema):
    kind: str = Field(..., description="organisation | individual | platform | community_manager")
    name: str = Field(..., max_length=500)
    uscc: str | None = Field(None, max_length=100)
    id_number: str | None = Field(None, max_length=100)
    legal_representative: str = Field("", max_length=500)
    address: str = Field("", max_length=1000)
    province: str = Field(..., max_length=20)
    city: str | None = Field(None, max_length=20)
    industry: str | None = Field(None, max_length=20)
    contact_name: str = Field("", max_length=500)
    contact_phone: str = Field("", max_length=100)
    contact_email: str = Field("", max_length=500)
    reason: str = Field("", max_length=2000)


class SubjectPatch(Schema):
    kind: str | None = Field(None, max_length=50)
    name: str | None = Field(None, max_length=500)
    uscc: str | None = Field(None, max_length=100)
    id_number: str | None = Field(None, max_length=100)
    legal_representative: str | None = Field(None, max_length=500)
    address: str | None = Field(None, max_length=1000)
    province: str | None = Field(None, max_length=20)
    city: str | None = Field(None, max_length=20)
    industry: str | None = Field(None, max_length=20)
    contact_name: str | None = Field(None, max_length=500)
    contact_phone: str | None = Field(None, max_length=100)
    contact_email: str | None = Field(None, max_length=500)
    reason: str = Field(..., max_length=2000)


class SiteIn(Schema):
    kind: str = Field(..., description="domain | shop")
    address: str = Field(..., max_length=500, description="domain name or shop URL")
    platform: str = Field("", max_length=200)
    name: str = Field("", max_length=300)


class SiteCreatedOut(Schema):
    id: int
    kind: str
    domain: str
    url: str | None
    token: str
    dns_txt_name: str
    dns_txt_value: str
    well_known_url: str


class VerifyIn(Schema):
    method: str = Field(..., description="dns | http | page")


class CheckOut(Schema):
    success: bool
    method: str
    at: dt.datetime
    detail: str
    verified_until: dt.datetime | None = None


class RegionOut(Schema):
    code: str
    name: str
    name_en: str
    level: str
    parent: str | None = Field(None, alias="parent_id")


class IndustryOut(Schema):
    code: str
    name: str
    name_en: str


def _out(subject: Any, request: HttpRequest) -> dict[str, Any]:
    if has_perm(request.user, "registry.view_staff"):
        return services.staff_view(subject, request.user)
    return services.public_view(subject)


@router.get(
    "/subjects", response={200: Page[SubjectOut], **ERROR_RESPONSES}, auth=Access("public"),
    summary="Search subjects by partial name, code or domain",
)
def list_subjects(
    request: HttpRequest,
    q: str = Query("", max_length=200),
    province: str = Query("", max_length=20),
    city: str = Query("", max_length=20),
    industry: str = Query("", max_length=20),
    kind: str = Query("", max_length=50),
    page: int = 1,
    page_size: int = 20,
) -> dict[str, Any]:
    qs = services.search_subjects(q=q, province=province, city=city, industry=industry, kind=kind)
    result = paginate(qs, page=page, page_size=page_size)
    sites = services.live_sites_by_subject([s.pk for s in result["items"]])
    result["items"] = [services.public_view(s, sites=sites.get(s.pk, [])) for s in result["items"]]
    return result


@router.get("/subjects/{subject_id}", response={200: SubjectStaffOut | SubjectOut, **ERROR_RESPONSES}, auth=Access("public"))
def get_subject(request: HttpRequest, subject_id: int) -> dict[str, Any]:
    return _out(services.get_subject(subject_id), request)


@router.post("/subjects", response={201: SubjectStaffOut, **ERROR_RESPONSES}, auth=Access("registry.edit"))
def create_subject(request: HttpRequest, payload: SubjectIn) -> tuple[int, dict[str, Any]]:
    data = payload.dict()
    reason = data.pop("reason")
    subject = services.create_subject(actor=request.user, data=data, reason=reason)
    return 201, services.staff_view(subject, request.user)


@router.patch("/subjects/{subject_id}", response={200: SubjectStaffOut, **ERROR_RESPONSES}, auth=Access("registry.edit"))
def update_subject(request: HttpRequest, subject_id: int, payload: SubjectPatch) -> dict[str, Any]:
    subject = services.get_subject(subject_id)
    data = payload.dict(exclude_unset=True)
    reason = data.pop("reason", "")
    subject = services.update_subject(actor=request.user, subject=subject, data=data, reason=reason)
    return services.staff_view(subject, request.user)


@router.post("/subjects/{subject_id}/sites", response={201: SiteCreatedOut, **ERROR_RESPONSES}, auth=Access("registry.verify_site"))
def add_site(request: HttpRequest, subject_id: int, payload: SiteIn) -> tuple[int, dict[str, Any]]:
    subject = services.get_subject(subject_id)
    site = services.add_site(actor=request.user, subject=subject, kind=payload.kind, address=payload.address, platform=payload.platform, name=payload.name)
    return 201, _site_created(site)


def _site_created(site: Site) -> dict[str, Any]:
    return {
        "id": site.pk, "kind": site.kind, "domain": site.domain, "url": site.url or None,
        "token": site.token, "dns_txt_name": site.txt_name,
        "dns_txt_value": f"chengxin-verification={site.token}",
        "well_known_url": f"https://{site.domain}{site.well_known_path}",
    }


@router.post("/sites/{site_id}/verify", response={200: CheckOut, **ERROR_RESPONSES}, auth=Access("registry.verify_site"))
def verify_site(request: HttpRequest, site_id: int, payload: VerifyIn) -> dict[str, Any]:
    from chengxin.core.errors import NotFound

    site = Site.objects.select_related("subject").filter(pk=site_id).first()
    if site is None:
        raise NotFound("No such site.")
    if payload.method not in VerificationMethod.values:
        from chengxin.core.errors import ValidationFailed

        raise ValidationFailed("method must be dns, http or page", field="method", code="invalid_choice")
    check = services.verify_site(actor=request.user, site=site, method=payload.method)
    site.refresh_from_db()
    return {"success": check.success, "method": check.method, "at": check.at, "detail": check.detail, "verified_until": site.verified_until}


@router.get("/regions", response=list[RegionOut], auth=Access("public"))
def regions(request: HttpRequest, parent: str = Query("", max_length=20)) -> Any:
    qs = Region.objects.all()
    if parent:
        qs = qs.filter(parent_id=parent)
    return list(qs)


@router.get("/industries", response=list[IndustryOut], auth=Access("public"))
def industries(request: HttpRequest) -> Any:
    return list(Industry.objects.all())
