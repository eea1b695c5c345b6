"""What each party, staff and the public see of complaints, and the lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from chengxin.accounts.models import User
from chengxin.core import clock
from chengxin.registry.models import Subject

from .models import OPEN, Complaint, ComplaintEvent, MaliciousFlag, Status, Visibility
from .services import CONSUMER, MEDIATOR, MERCHANT, STAFF


def timeline(c: Complaint, who: set[str]) -> list[ComplaintEvent]:
    if who & {STAFF, MEDIATOR}:
        allowed = set(Visibility.values)
    else:
        allowed = {Visibility.ALL.value}
        if CONSUMER in who:
            allowed.add(Visibility.CONSUMER.value)
        if MERCHANT in who:
            allowed.add(Visibility.MERCHANT.value)
    return list(c.events.filter(visibility__in=allowed).select_related("actor"))


def released_contact(c: Complaint) -> dict[str, str] | None:
    """The merchant's registered name, address and contact, given to the
    consumer when the merchant failed to answer (seed 002 第十九条)."""
    if c.contact_released_at is None:
        return None
    s = c.subject
    return {"name": s.name, "uscc": s.uscc or "", "address": s.address, "contact_name": s.contact_name,
            "contact_phone": s.contact_phone, "contact_email": s.contact_email}


def personal_data(c: Complaint) -> list[str]:
    """The complainant's own data, removed from everything public."""
    u = c.complainant
    values = [c.contact_name, c.contact_phone, c.contact_email, c.order_ref, u.display_name, u.phone, u.email, u.username]
    return [v for v in values if v and len(v) >= 2]


def is_public(c: Complaint, at: dt.datetime | None = None) -> bool:
    at = at or clock.now()
    if not c.public_consent or c.confirmed_at is None or c.status in (Status.INVALID, Status.WITHDRAWN):
        return False
    if c.closed_at is not None:
        years = settings.CHENGXIN_COMPLAINT_PUBLIC_YEARS
        return c.closed_at + dt.timedelta(days=365 * years) > at
    return True


def public_complaints(subject: Subject | None = None) -> Any:
    """Complaints that may be shown publicly (see `is_public`), newest first."""
    at = clock.now()
    years = settings.CHENGXIN_COMPLAINT_PUBLIC_YEARS
    from django.db.models import Q

    qs = (Complaint.objects.filter(public_consent=True, confirmed_at__isnull=False)
          .exclude(status__in=(Status.INVALID, Status.WITHDRAWN))
          .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=at - dt.timedelta(days=365 * years)))
          .select_related("category", "subject", "complainant"))
    if subject is not None:
        qs = qs.filter(subject=subject)
    return qs


def public_view(c: Complaint) -> dict[str, Any]:
    """What anyone may see: no personal data of the complainant, also not in
    the merchant's free-text answer."""
    from .redact import redact

    known = personal_data(c)
    return {
        "number": c.number, "subject_id": c.subject_id, "subject_name": c.subject.name,
        "category": c.category.code, "category_label": c.category.label,
        "remedies": list(c.remedies), "amount": c.amount,
        "filed_at": c.filed_at, "answered_at": c.answered_at, "closed_at": c.closed_at,
        "status": c.status, "status_label": str(Status(c.status).label),
        "answer": redact(c.answer, known=known) if c.answer else "",
    }


def merchant_view_of_consumer(c: Complaint) -> dict[str, str]:
    """The merchant sees who complained only as far as needed to find the order."""
    from chengxin.core.pii import mask_person_name

    return {"name": mask_person_name(c.contact_name or c.complainant.display_name or ""), "order_ref": c.order_ref}


def redact_for_merchant(c: Complaint, text: str) -> str:
    """The merchant gets the complaint without the consumer's phone, e-mail,
    address or ID numbers (it has the order number to find the order)."""
    from .redact import redact

    return redact(text, known=[c.contact_phone, c.contact_email, c.complainant.phone, c.complainant.email])


def description_for(c: Complaint, who: set[str]) -> str:
    if who & {CONSUMER, STAFF, MEDIATOR}:
        return c.description
    return redact_for_merchant(c, c.description)


# --- lists -----------------------------------------------------------------------

def consumer_complaints(user: User) -> Any:
    return Complaint.objects.filter(complainant=user).select_related("subject", "category")


def merchant_complaints(user: User) -> Any:
    return Complaint.objects.filter(subject__subjectaccess__user=user).select_related("subject", "category")


def staff_queue(*, status: str = "", view: str = "", q: str = "") -> Any:
    from django.db.models import Count, Q

    qs = Complaint.objects.select_related("subject", "category", "complainant", "mediator")
    now = clock.now()
    if status:
        qs = qs.filter(status=status)
    if view == "unconfirmed":
        qs = qs.filter(confirmed_at__isnull=True).exclude(status__in=(Status.INVALID, Status.WITHDRAWN))
    elif view == "confirm_overdue":
        qs = qs.filter(confirmed_at__isnull=True, confirm_due_at__lt=now).exclude(status__in=(Status.INVALID, Status.WITHDRAWN))
    elif view == "flagged":
        qs = qs.filter(flags__decision=MaliciousFlag.Decision.PENDING)
    elif view == "mediation":
        qs = qs.filter(status__in=(Status.DISPUTED, Status.IN_MEDIATION))
    elif view == "open":
        qs = qs.filter(status__in=OPEN)
    if q:
        qs = qs.filter(Q(number__iexact=q.strip()) | Q(subject__name__icontains=q.strip()))
    return qs.annotate(pending_flags=Count("flags", filter=Q(flags__decision=MaliciousFlag.Decision.PENDING))).order_by("confirm_due_at", "pk")


def frequent_complainants(days: int = 90) -> list[dict[str, Any]]:
    from django.db.models import Count

    since = clock.now() - dt.timedelta(days=days)
    rows = (Complaint.objects.filter(filed_at__gte=since).values("complainant", "complainant__username")
            .annotate(n=Count("pk")).filter(n__gte=settings.CHENGXIN_COMPLAINT_FREQUENT_90_DAYS).order_by("-n"))
    return [{"user_id": r["complainant"], "username": r["complainant__username"], "count": r["n"]} for r in rows]


def pending_flags() -> Any:
    return MaliciousFlag.objects.filter(decision=MaliciousFlag.Decision.PENDING).select_related("complaint", "subject", "flagged_by")


