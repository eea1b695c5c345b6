"""Credit records created by events elsewhere on the platform.

The other domains call these functions inside their own transaction, so a
fact and its credit record are committed together. Each record carries a
`ref` naming its origin, so an event handled twice records the fact once.
"""

from __future__ import annotations

from typing import Any

from chengxin.core import clock, workdays

from . import services
from .models import MEMBERSHIP_KIND

# complaint status -> record kind
COMPLAINT_KINDS = {
    "resolved": "complaint.resolved",
    "resolved_mediation": "complaint.resolved_mediation",
    "answered_unconfirmed": "complaint.answered_unconfirmed",
    "unresolved": "complaint.unresolved",
    "unanswered": "complaint.unanswered",
}


def _day(moment: Any) -> Any:
    return workdays.local_date(moment)


def complaint_closed(c: Any, *, actor: Any = None) -> None:
    """A counted outcome becomes a record; an invalid or withdrawn complaint
    leaves the statistics, and a record made earlier is retracted."""
    ref = f"complaint:{c.number}"
    if c.status in ("invalid", "withdrawn"):
        for code in {*COMPLAINT_KINDS.values(), "complaint.mediation_failed"}:
            r = services.current_version(code, ref)
            if r is not None:
                services.retract(actor=actor, record=r, system=True,
                                 reason=f"complaint {c.number}: {c.status} {c.invalid_reason}".strip())
        return
    outcome = COMPLAINT_KINDS.get(c.status)
    if outcome is None:
        return
    code = "complaint.mediation_failed" if c.status == "unresolved" and c.mediation_started_at is not None else outcome
    if c.answered_at is None:
        tag = "none"
    else:
        tag = "on_time" if c.answered_at <= c.response_due_at else "late"
    category = c.category.name if c.category_id else ""
    services.add_record(
        subject=c.subject, kind_code=code, tag=tag, occurred_on=_day(c.closed_at or clock.now()),
        summary=f"投诉（{category}）：{services.kind(code).name}",
        summary_en=f"Complaint ({c.category.name_en or category}): {services.kind(code).name_en}",
        evidence=c.number, ref=ref, actor=actor, reason=f"complaint {c.number} closed",
    )


def application_approved(app: Any, *, actor: Any = None) -> None:
    """Staff reviewed the licence and identity documents: identity verified."""
    services.add_record(
        subject=app.subject, kind_code="identity.verified", occurred_on=_day(app.decided_at or clock.now()),
        summary="营业执照与身份信息经秘书处审核", summary_en="Licence and identity checked by the secretariat",
        evidence=f"application #{app.pk}", ref=f"application:{app.pk}", actor=actor,
        reason="membership application approved")


def membership_activated(app: Any, *, actor: Any = None) -> None:
    """Membership held (shown, never scored); its tag is the declared size."""
    services.add_record(
        subject=app.subject, kind_code=MEMBERSHIP_KIND, tag=app.size_band or "unknown",
        occurred_on=_day(app.starts_at), disclosed_until=_day(app.ends_at),
        summary=f"会员单位（{app.level.name if app.level_id else ''}）",
        summary_en=f"Member ({app.level.name_en if app.level_id else ''})",
        evidence=f"application #{app.pk}", ref=f"membership:{app.pk}", actor=actor, reason="membership active")


def certificate_issued(cert: Any, *, actor: Any = None) -> None:
    services.add_record(
        subject=cert.subject, kind_code="certificate.issued", tag=cert.level_id[:20],
        occurred_on=_day(cert.valid_from), disclosed_until=_day(cert.valid_until),
        summary=f"电子证书 {cert.number}（{cert.level.name}）",
        summary_en=f"Certificate {cert.number} ({cert.level.name_en or cert.level.name})",
        evidence=cert.number, ref=f"certificate:{cert.number}", actor=actor, reason="certificate issued")


def site_verified(site: Any, *, actor: Any = None) -> None:
    services.add_record(
        subject=site.subject, kind_code="site.verified", tag=site.verified_method,
        occurred_on=_day(site.verified_at), disclosed_until=_day(site.verified_until),
        summary=f"网站/店铺归属已验证：{site.url or site.domain}",
        summary_en=f"Ownership proven: {site.url or site.domain}",
        evidence=f"{site.verified_method} check", ref=f"site:{site.pk}:{site.verified_at.isoformat()}", actor=actor,
        reason="site ownership proven")


LIST_KINDS = {"blacklist": "blacklist.entry", "redlist": "redlist.entry", "watchlist": "watchlist.entry"}


def list_entry_added(entry: Any, *, actor: Any = None) -> None:
    code = LIST_KINDS[entry.kind]
    services.add_record(
        subject=entry.subject, kind_code=code, occurred_on=_day(entry.starts_at),
        disclosed_until=_day(entry.ends_at) if entry.ends_at else None,
        summary=f"{services.kind(code).name}：{entry.reason}"[:300],
        summary_en=f"{services.kind(code).name_en}: {entry.reason}"[:300],
        evidence=entry.legal_basis, ref=f"list:{entry.pk}", actor=actor, reason=entry.reason)


def list_entry_lifted(entry: Any, *, actor: Any = None) -> None:
    """Lifting ends the entry's effect: a new version that stops counting on
    the day it was lifted; the original stays in the history."""
    r = services.current_version(LIST_KINDS[entry.kind], f"list:{entry.pk}")
    if r is None:
        return
    until = _day(entry.lifted_at)  # it stops counting on the day it was lifted
    services.add_record(
        subject=r.subject, kind_code=r.kind_id, occurred_on=r.occurred_on, disclosed_until=until,
        summary=r.summary, summary_en=r.summary_en, evidence=r.evidence, ref=r.ref, actor=actor, supersedes=r,
        reason=f"lifted: {entry.lift_reason}")
