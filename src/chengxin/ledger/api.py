from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from chengxin.core.api import ERROR_RESPONSES, Access, Page, paginate

from .models import AuditEntry

router = Router(tags=["audit"])


class AuditOut(Schema):
    seq: int
    at: dt.datetime
    actor: str = Field(..., alias="actor_label")
    action: str
    object_type: str
    object_id: str
    before: Any = None
    after: Any = None
    reason: str
    prev_hash: str
    hash: str


@router.get("/audit", response={200: Page[AuditOut], **ERROR_RESPONSES}, auth=Access("audit.view"))
def list_audit(
    request: HttpRequest,
    object_type: str = Query("", max_length=100),
    object_id: str = Query("", max_length=64),
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    qs = AuditEntry.objects.all().order_by("-seq")
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    return paginate(qs, page=page, page_size=page_size)
