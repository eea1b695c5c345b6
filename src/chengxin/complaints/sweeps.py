"""The complaint deadlines, advanced by one idempotent sweep.

Each step selects the complaints whose moment has come, then re-reads each
one under a row lock and acts only if it still applies, recording that it
did on the record itself. A missed sweep catches up on the next run; running
it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chengxin.accounts.services import notify, staff_with
from chengxin.core import clock, workdays

from . import mediation, queries
from . import services as svc
from .models import Complaint, Status, Visibility


def _each(qs: Any, step: Callable[[Complaint, dt.datetime], bool]) -> int:
    done = 0
    for pk in list(qs.values_list("pk", flat=True)[:5000]):
        with transaction.atomic():
            c = Complaint.objects.select_for_update().select_related("subject", "category", "complainant").get(pk=pk)
            if step(c, clock.now()):
                done += 1
    return done


def _remind(c: Complaint, now: dt.datetime) -> bool:
    if c.status != Status.AWAITING_RESPONSE or c.reminded_at or not c.remind_at or c.remind_at > now:
        return False
    c.reminded_at = now
    c.save(update_fields=["reminded_at"])
    due = workdays.local_date(c.response_due_at).isoformat()
    svc._event(c, actor=None, party=svc.SYSTEM, kind="reminded", visibility=Visibility.MERCHANT,
               message=_("Reminder: the answer is due by %(due)s.") % {"due": due})
    svc._tell_merchant(c, _("Reminder: complaint %(n)s must be answered by %(due)s.") % {"n": c.number, "due": due}, f"remind:{c.response_due_at.timestamp()}")
    return True


def _remind_day(c: Complaint, now: dt.datetime) -> bool:
    if c.status != Status.AWAITING_RESPONSE or c.reminded_day_at or now >= c.response_due_at:
        return False
    if now < svc._day_start(workdays.local_date(c.response_due_at)):
        return False
    c.reminded_day_at = now
    c.save(update_fields=["reminded_day_at"])
    svc._event(c, actor=None, party=svc.SYSTEM, kind="reminded", visibility=Visibility.MERCHANT,
               message=_("Reminder: the answer is due today."))
    svc._tell_merchant(c, _("Today is the last day to answer complaint %(n)s.") % {"n": c.number}, f"remind-day:{c.response_due_at.timestamp()}")
    return True


def _urge(c: Complaint, now: dt.datetime) -> bool:
    if not c.urge_at or c.urge_at > now:
        return False
    c.urge_at = None
    c.save(update_fields=["urge_at"])
    if c.status in (Status.AWAITING_RESPONSE, Status.OVERDUE):
        svc._send_urge(c, None, "")
    return True


def _miss(c: Complaint, now: dt.datetime) -> bool:
    if c.status != Status.AWAITING_RESPONSE or c.response_due_at > now:
        return False
    # The final period counts from when the deadline passed, so a late sweep
    # does not give the merchant extra days.
    c.final_due_at = workdays.add_working_days(c.response_due_at, settings.CHENGXIN_COMPLAINT_FINAL_WORKING_DAYS)
    c.second_notice_at = now
    due = workdays.local_date(c.final_due_at).isoformat()
    svc._transition(c, "miss_deadline", actor=None, party=svc.SYSTEM,
                    message=_("The deadline passed without an answer; final deadline %(due)s.") % {"due": due})
    svc._tell_merchant(c, _("SECOND NOTICE: complaint %(n)s was not answered in time. Answer by %(due)s, or the complaint is recorded as unanswered and the consumer receives your registered contact details.")
                       % {"n": c.number, "due": due}, "second")
    return True


def _miss_final(c: Complaint, now: dt.datetime) -> bool:
    if c.status != Status.OVERDUE or c.final_due_at is None or c.final_due_at > now:
        return False
    c.contact_released_at = now
    svc._transition(c, "miss_final_deadline", actor=None, party=svc.SYSTEM, message=_("No answer after the second notice."))
    contact = queries.released_contact(c) or {}
    details = "; ".join(f"{v}" for v in (contact.get("name"), contact.get("address"), contact.get("contact_name"),
                                         contact.get("contact_phone"), contact.get("contact_email")) if v)
    svc._event(c, actor=None, party=svc.SYSTEM, kind="contact_released", visibility=Visibility.CONSUMER,
               message=_("The merchant did not answer. Its registered details: %(d)s") % {"d": details})
    svc._tell_consumer(c, _("The merchant did not answer complaint %(n)s. Its registered name, address and contact are now shown on the complaint.") % {"n": c.number}, "contact")
    svc._tell_staff(c, _("Complaint %(n)s against %(name)s went unanswered.") % {"n": c.number, "name": c.subject.name}, "unanswered")
    return True


def _consumer_silent(c: Complaint, now: dt.datetime) -> bool:
    if c.status != Status.ANSWERED or c.consumer_due_at is None or c.consumer_due_at > now:
        return False
    svc._transition(c, "consumer_silent", actor=None, party=svc.SYSTEM,
                    message=_("The consumer neither accepted nor disputed the answer in time."))
    return True


def _mediation_timeout(c: Complaint, now: dt.datetime) -> bool:
    if c.status != Status.IN_MEDIATION or c.mediation_due_at is None or c.mediation_due_at > now:
        return False
    svc._transition(c, "mediation_timeout", actor=None, party=svc.SYSTEM,
                    message=_("Mediation reached its time limit without agreement."))
    mediation._tell_mediation_end(c)
    return True


def _confirm_overdue(c: Complaint, now: dt.datetime) -> bool:
    if c.confirmed_at or c.confirm_overdue_notified_at or c.confirm_due_at > now or c.status in (Status.INVALID, Status.WITHDRAWN):
        return False
    c.confirm_overdue_notified_at = now
    c.save(update_fields=["confirm_overdue_notified_at"])
    svc._tell_staff(c, _("OVERDUE: complaint %(n)s was to be confirmed or rejected by %(d)s.")
                    % {"n": c.number, "d": workdays.local_date(c.confirm_due_at).isoformat()}, "confirm_overdue")
    return True


ALERT_BATCH = 1000  # complaints per alert; more wait for the next run
ALERT_LISTED = 10  # complaint numbers named in the notice


def alert_staff(now: dt.datetime | None = None) -> int:
    """Tell the complaint handlers about the complaints filed since the last
    alert (seed 003: staff are alerted at once): one notice per handler per
    run, in-app and by e-mail, naming them and linking the queue of
    complaints to confirm. Runs every minute; the complaints are marked in
    the same transaction, so a run twice or late tells nobody twice.
    Returns how many complaints were announced."""
    now = now or clock.now()
    with transaction.atomic():
        # PostgreSQL: a concurrent run waits for these rows, then skips them (marked)
        rows = list(Complaint.objects.select_for_update().filter(staff_alerted_at__isnull=True)
                    .order_by("filed_at", "pk").values_list("pk", "number", "status")[:ALERT_BATCH])
        if not rows:
            return 0
        Complaint.objects.filter(pk__in=[pk for pk, _n, _s in rows]).update(staff_alerted_at=now)
        fresh = [number for _pk, number, status in rows if status not in (Status.WITHDRAWN, Status.INVALID)]
        if fresh:
            listed = ", ".join(fresh[:ALERT_LISTED]) + ("…" if len(fresh) > ALERT_LISTED else "")
            text = ngettext("%(n)d new complaint to confirm: %(list)s.", "%(n)d new complaints to confirm: %(list)s.",
                            len(fresh)) % {"n": len(fresh), "list": listed}
            for user in staff_with("complaints.handle"):
                notify(user=user, text=text, url="/staff/complaints/?view=unconfirmed",
                       dedupe_key=f"s:new:{rows[-1][0]}")
    return len(rows)


def run(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or clock.now()
    day_edge = now + dt.timedelta(days=1)  # on-the-day reminders: due within a day
    q = Complaint.objects
    return {
        "staff_alerted": alert_staff(now),
        "reminded": _each(q.filter(status=Status.AWAITING_RESPONSE, reminded_at__isnull=True, remind_at__lte=now), _remind),
        "reminded_day": _each(q.filter(status=Status.AWAITING_RESPONSE, reminded_day_at__isnull=True, response_due_at__lte=day_edge,
                                       response_due_at__gt=now), _remind_day),
        "urged": _each(q.filter(urge_at__lte=now), _urge),
        "overdue": _each(q.filter(status=Status.AWAITING_RESPONSE, response_due_at__lte=now), _miss),
        "unanswered": _each(q.filter(status=Status.OVERDUE, final_due_at__lte=now), _miss_final),
        "answered_unconfirmed": _each(q.filter(status=Status.ANSWERED, consumer_due_at__lte=now), _consumer_silent),
        "mediation_timeout": _each(q.filter(status=Status.IN_MEDIATION, mediation_due_at__lte=now), _mediation_timeout),
        "confirm_overdue": _each(q.filter(confirmed_at__isnull=True, confirm_overdue_notified_at__isnull=True, confirm_due_at__lte=now)
                                 .exclude(status__in=(Status.INVALID, Status.WITHDRAWN)), _confirm_overdue),
    }
