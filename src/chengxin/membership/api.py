from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from chengxin.core.api import ERROR_RESPONSES, Access, Page, paginate

from . import services

router = Router(tags=["membership"])


class MemberOut(Schema):
    subject_id: int
    name: str
    uscc: str | None = None
    province: str
    city: str | None = None
    applicant_type: str | None = None
    level: str | None = None
    status: str
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None


class QueueOut(Schema):
    id: int
    subject_id: int
    subject_name: str
    status: str
    submitted_at: dt.datetime | None = None
    review_due_at: dt.datetime | None = None
    renewal: bool
    eligibility: list[dict[str, Any]]


class MembershipOut(Schema):
    status: str
    status_label: str
    level: str | None = None
    applicant_type: str | None = None
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None


def _member(app: Any) -> dict[str, Any]:
    s = app.subject
    return {"subject_id": s.pk, "name": s.name, "uscc": s.uscc, "province": s.province_id, "city": s.city_id,
            "applicant_type": app.applicant_type_id, "level": app.level_id, "status": app.status,
            "valid_from": app.starts_at, "valid_until": app.ends_at}


@router.get("/members", response={200: Page[MemberOut], **ERROR_RESPONSES}, auth=Access("public"), summary="Current members")
def members(request: HttpRequest, applicant_type: str = Query("", max_length=40), province: str = Query("", max_length=20),
            city: str = Query("", max_length=20), page: int = 1, page_size: int = 20) -> dict[str, Any]:
    result = paginate(services.current_members(applicant_type=applicant_type, province=province, city=city), page=page, page_size=page_size)
    result["items"] = [_member(a) for a in result["items"]]
    return result


@router.get("/subjects/{subject_id}/membership", response={200: MembershipOut | None, **ERROR_RESPONSES}, auth=Access("public"))
def subject_membership(request: HttpRequest, subject_id: int) -> Any:
    from chengxin.registry.services import get_subject

    return services.public_membership(get_subject(subject_id))


@router.get("/applications/queue", response={200: Page[QueueOut], **ERROR_RESPONSES}, auth=Access("membership.view_staff"))
def review_queue(request: HttpRequest, page: int = 1, page_size: int = 50) -> dict[str, Any]:
    result = paginate(services.review_queue(), page=page, page_size=page_size)
    result["items"] = [{"id": a.pk, "subject_id": a.subject_id, "subject_name": a.subject.name, "status": a.status,
                        "submitted_at": a.submitted_at, "review_due_at": a.review_due_at, "renewal": a.renews_id is not None,
                        "eligibility": a.eligibility} for a in result["items"]]
    return result
