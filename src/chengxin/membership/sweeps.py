"""Idempotent periodic sweeps: overdue reviews, expiry reminders, expiry."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from chengxin.accounts.services import notify, staff_with
from chengxin.core import clock

from .models import IN_REVIEW, Application, Status
from .services import _lock, _transition


def flag_overdue_reviews() -> int:
    """Reviews due within the next 4 hours or overdue: notify the reviewers once."""
    now = clock.now()
    soon = now + dt.timedelta(hours=4)
    count = 0
    for pk in Application.objects.filter(status__in=IN_REVIEW, review_due_at__lte=soon, overdue_notified_at__isnull=True).values_list("pk", flat=True):
        with transaction.atomic():
            app = Application.objects.select_for_update().filter(pk=pk, overdue_notified_at__isnull=True).select_related("subject").first()
            if app is None or app.status not in IN_REVIEW or app.review_due_at is None:
                continue
            overdue = app.review_due_at <= now
            text = (_("OVERDUE: the review of %(name)s was due %(due)s.") if overdue
                    else _("Due soon: the review of %(name)s is due %(due)s.")) % {"name": app.subject.name, "due": app.review_due_at.strftime("%Y-%m-%d %H:%M")}
            users = [app.reviewer] if app.reviewer else staff_with("membership.review")
            for user in users:
                notify(user=user, text=text, url=f"/staff/applications/{app.pk}", dedupe_key=f"due:{app.pk}:{app.review_due_at.timestamp()}")
            app.overdue_notified_at = now
            app.save(update_fields=["overdue_notified_at"])
            count += 1
    return count


def remind_and_expire() -> dict[str, int]:
    now = clock.now()
    first, second = settings.CHENGXIN_MEMBERSHIP_REMINDER_DAYS
    done = {"reminded_30": 0, "reminded_7": 0, "expired": 0}
    current = (Status.ACTIVE, Status.EXPIRING, Status.SUSPENDED)
    for pk in Application.objects.filter(status__in=current, ends_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            app = _lock(Application(pk=pk))
            if app.status in current and app.ends_at and app.ends_at <= now:
                _transition(app, "expire", actor=None, message=_("membership period ended"))
                notify(user=app.applicant, text=_("Your membership of %(name)s has expired.") % {"name": app.subject.name},
                       url=f"/me/applications/{app.pk}", dedupe_key=f"expired:{app.pk}")
                done["expired"] += 1
    for days, field, key in ((first, "reminded_30_at", "reminded_30"), (second, "reminded_7_at", "reminded_7")):
        edge = now + dt.timedelta(days=days)
        qs = Application.objects.filter(status__in=(Status.ACTIVE, Status.EXPIRING), ends_at__gt=now, ends_at__lte=edge, **{f"{field}__isnull": True})
        for pk in qs.values_list("pk", flat=True):
            with transaction.atomic():
                app = _lock(Application(pk=pk))
                if getattr(app, field) is not None or app.status not in (Status.ACTIVE, Status.EXPIRING):
                    continue
                if app.status == Status.ACTIVE:
                    _transition(app, "mark_expiring", actor=None, message=_("expires within %(d)d days") % {"d": first})
                setattr(app, field, now)
                app.save(update_fields=[field])
                ends = app.ends_at
                if ends is None:  # not possible for an active or expiring membership (the query asks for an end)
                    continue
                left = max(0, (ends - now).days)
                text = _("Your membership of %(name)s ends on %(end)s (in %(left)d days). Apply for renewal in time.") % {
                    "name": app.subject.name, "end": ends.date().isoformat(), "left": left}
                notify(user=app.applicant, text=text, url=f"/me/applications/{app.pk}", dedupe_key=f"{key}:{app.pk}")
                if app.contact_email and app.contact_email != app.applicant.email:
                    from chengxin.core import outbox

                    outbox.queue_email(to=app.contact_email, subject=text[:120], body=text, dedupe_key=f"{key}:{app.pk}:contact")
                done[key] += 1
    return done
