"""Credit records and grades: every state change of the credit domain.

* Records are appended (`add_record`), corrected (`correct`) or retracted
  (`retract`); each write is audited and marks the subject for recomputation.
* Grades are recomputed from the records by `grading` (all subjects or some,
  incrementally by the credit sweep every 30 s, and in full every day because
  ages, and so weights, change with the date); `explanation` shows one.
* Policies are uploaded as text, previewed against the active one and
  activated (`upload_policy`, `preview`, `activate`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from chengxin.core import clock, workdays
from chengxin.core.errors import Conflict, NotFound, ValidationFailed
from chengxin.core.permissions import check
from chengxin.core.uploads import check_upload, safe_name
from chengxin.ledger import services as audit
from chengxin.registry.models import Subject

from . import engine
from .models import (
    Access,
    CreditRecord,
    Grade,
    GradeChange,
    PendingRecompute,
    Policy,
    PolicyStatus,
    RecordKind,
    Source,
)
from .policy import Policy as ParsedPolicy
from .policy import default_text, parse

EVIDENCE_LIMIT = 10 * 1024 * 1024


def today() -> dt.date:
    return workdays.local_date(clock.now())


# --- records ------------------------------------------------------------------

def _snapshot(r: CreditRecord) -> dict[str, Any]:
    return {"subject": r.subject_id, "kind": r.kind_id, "tag": r.tag, "polarity": r.polarity, "source": r.source,
            "source_name": r.source_name, "summary": r.summary, "evidence": r.evidence,
            "evidence_sha256": r.evidence_sha256, "occurred_on": r.occurred_on, "disclosed_until": r.disclosed_until,
            "access": r.access, "ref": r.ref, "supersedes": r.supersedes_id, "retraction": r.retraction}


def kind(code: str) -> RecordKind:
    try:
        return RecordKind.objects.get(code=code)
    except RecordKind.DoesNotExist:
        raise ValidationFailed(_("Unknown kind of credit record."), field="kind", code="invalid_choice") from None


def _default_until(k: RecordKind, occurred_on: dt.date) -> dt.date | None:
    return occurred_on + dt.timedelta(days=k.disclosure_days) if k.disclosure_days else None


def mark_pending(subject_ids: Iterable[int]) -> None:
    now = clock.now()
    ids = sorted(set(subject_ids))
    existing = set(PendingRecompute.objects.filter(subject_id__in=ids).values_list("subject_id", flat=True))
    PendingRecompute.objects.bulk_create([PendingRecompute(subject_id=i, since=now) for i in ids if i not in existing],
                                         ignore_conflicts=True)


@transaction.atomic
def add_record(*, subject: Subject, kind_code: str, summary: str, summary_en: str = "", occurred_on: dt.date,
               actor: Any = None, tag: str = "", source: str = Source.PLATFORM, source_name: str = "",
               evidence: str = "", disclosed_until: dt.date | None = None, access: str | None = None,
               polarity: int | None = None, ref: str = "", reason: str = "",
               supersedes: CreditRecord | None = None, retraction: bool = False,
               evidence_file: tuple[str, bytes] | None = None) -> CreditRecord:
    """Append a record. With `ref`, the same fact recorded twice is stored once."""
    k = kind(kind_code)
    if ref and supersedes is None:
        existing = CreditRecord.objects.filter(kind=k, ref=ref, supersedes__isnull=True).first()
        if existing is not None:
            return existing
    r = CreditRecord(
        subject=subject, kind=k, tag=tag, polarity=k.polarity if polarity is None else polarity, source=source,
        source_name=source_name, summary=summary[:300], summary_en=summary_en[:300], evidence=evidence,
        occurred_on=occurred_on,
        disclosed_until=disclosed_until if disclosed_until is not None else _default_until(k, occurred_on),
        access=access or k.access, ref=ref, supersedes=supersedes, retraction=retraction, reason=reason,
        created_at=clock.now(), created_by=actor if getattr(actor, "pk", None) else None,
    )
    if evidence_file is not None:
        name, data = evidence_file
        check_upload(name, data, EVIDENCE_LIMIT)
        r.evidence_sha256 = hashlib.sha256(data).hexdigest()
        r.evidence_file.save(safe_name(name, "evidence"), ContentFile(data), save=False)
    r.save()
    audit.record(actor=actor, action="credit.retract" if retraction else ("credit.correct" if supersedes else "credit.add"),
                 obj=r, before=_snapshot(supersedes) if supersedes else None, after=_snapshot(r), reason=reason or summary)
    mark_pending([subject.pk])
    return r


def _parse_date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(_("Enter a date as YYYY-MM-DD."), field=field, code="invalid_date") from None


def enter_record(*, actor: Any, subject: Subject, data: dict[str, Any],
                 evidence_file: tuple[str, bytes] | None = None) -> CreditRecord:
    """A record entered by staff (an award, a penalty, a fact reported by a
    member platform): the evidence is required."""
    check(actor, "credit.enter")
    k = kind(str(data.get("kind") or ""))
    if not k.staff_entry:
        raise ValidationFailed(_("Records of this kind are created by the platform itself, not entered by hand."),
                               field="kind", code="not_enterable")
    summary = str(data.get("summary") or "").strip()
    if not summary:
        raise ValidationFailed(_("Describe the fact in one sentence."), field="summary", code="required")
    if "<" in summary or ">" in summary:
        raise ValidationFailed(_("Plain text only, please: no HTML."), field="summary", code="html_not_allowed")
    evidence = str(data.get("evidence") or "").strip()
    if not evidence and evidence_file is None:
        raise ValidationFailed(_("Give the evidence: a document number or reference, or upload the document."),
                               field="evidence", code="required")
    occurred_on = _parse_date(data.get("occurred_on"), "occurred_on")
    if occurred_on > today():
        raise ValidationFailed(_("The date cannot be in the future."), field="occurred_on", code="future_date")
    until = data.get("disclosed_until")
    disclosed_until = _parse_date(until, "disclosed_until") if until not in (None, "") else None
    if disclosed_until is not None and disclosed_until <= occurred_on:
        raise ValidationFailed(_("The disclosure period must end after the date of the fact."),
                               field="disclosed_until", code="invalid")
    source = str(data.get("source") or Source.PLATFORM)
    if source not in Source.values:
        raise ValidationFailed(_("Choose where the fact comes from."), field="source", code="invalid_choice")
    source_name = str(data.get("source_name") or "").strip()
    if source != Source.PLATFORM and not source_name:
        raise ValidationFailed(_("Name the platform or authority the fact comes from."), field="source_name", code="required")
    access = str(data.get("access") or k.access)
    if access not in Access.values:
        raise ValidationFailed(_("Choose who may see the record."), field="access", code="invalid_choice")
    return add_record(subject=subject, kind_code=k.code, summary=summary, summary_en=str(data.get("summary_en") or "").strip(),
                      occurred_on=occurred_on, actor=actor, source=source, source_name=source_name, evidence=evidence,
                      disclosed_until=disclosed_until, access=access, reason=str(data.get("reason") or "").strip(),
                      evidence_file=evidence_file)


def get_record(pk: int | str) -> CreditRecord:
    try:
        return CreditRecord.objects.select_related("kind", "subject").get(pk=int(pk))
    except (CreditRecord.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such credit record.")) from None


def _require_current(r: CreditRecord) -> None:
    if r.retraction:
        raise Conflict(_("A retraction cannot be corrected."), code="retraction")
    if CreditRecord.objects.filter(supersedes=r).exists():
        raise Conflict(_("This record was already corrected; correct the newest version."), code="superseded")


@transaction.atomic
def correct(*, actor: Any, record: CreditRecord, data: dict[str, Any], reason: str) -> CreditRecord:
    """A new version of the record; the old one stays in the history."""
    check(actor, "credit.enter")
    if not reason.strip():
        raise ValidationFailed(_("Give the reason for the correction."), field="reason", code="required")
    CreditRecord.objects.select_for_update().filter(pk=record.pk).first()
    _require_current(record)
    occurred_on = _parse_date(data.get("occurred_on", record.occurred_on), "occurred_on")
    until = data.get("disclosed_until", record.disclosed_until)
    disclosed_until = _parse_date(until, "disclosed_until") if until not in (None, "") else None
    summary = str(data.get("summary", record.summary)).strip()
    if not summary or "<" in summary:
        raise ValidationFailed(_("Describe the fact in one sentence, as plain text."), field="summary", code="invalid")
    access = str(data.get("access", record.access))
    if access not in Access.values:
        raise ValidationFailed(_("Choose who may see the record."), field="access", code="invalid_choice")
    return add_record(subject=record.subject, kind_code=record.kind_id, summary=summary,
                      summary_en=str(data.get("summary_en", record.summary_en)), occurred_on=occurred_on, actor=actor,
                      tag=record.tag, source=record.source, source_name=record.source_name,
                      evidence=str(data.get("evidence", record.evidence)), disclosed_until=disclosed_until,
                      access=access, polarity=record.polarity, ref=record.ref, reason=reason.strip(), supersedes=record)


@transaction.atomic
def retract(*, actor: Any, record: CreditRecord, reason: str, system: bool = False) -> CreditRecord:
    if not system:
        check(actor, "credit.enter")
    if not reason.strip():
        raise ValidationFailed(_("Give the reason for the retraction."), field="reason", code="required")
    _require_current(record)
    return add_record(subject=record.subject, kind_code=record.kind_id, summary=record.summary,
                      summary_en=record.summary_en, occurred_on=record.occurred_on, actor=actor, tag=record.tag,
                      source=record.source, source_name=record.source_name, evidence=record.evidence,
                      disclosed_until=record.disclosed_until, access=record.access, polarity=record.polarity,
                      ref=record.ref, reason=reason.strip(), supersedes=record, retraction=True)


def current_version(kind_code: str, ref: str) -> CreditRecord | None:
    """The newest version of the record of this kind and ref (None if none or retracted)."""
    r = CreditRecord.objects.filter(kind_id=kind_code, ref=ref, supersedes__isnull=True).first()
    while r is not None:
        nxt = CreditRecord.objects.filter(supersedes=r).first()
        if nxt is None:
            return None if r.retraction else r
        r = nxt
    return None


ACCESS_FOR = {"public": (Access.PUBLIC,), "members": (Access.PUBLIC, Access.MEMBERS),
              "all": (Access.PUBLIC, Access.MEMBERS, Access.RESTRICTED)}


def access_level(user: Any, subject: Subject) -> str:
    """What this viewer may see of this subject's records."""
    from chengxin.core.permissions import has_perm

    if user is None or not getattr(user, "is_authenticated", False):
        return "public"
    if has_perm(user, "credit.view_staff"):
        return "all"
    from chengxin.accounts.models import SubjectAccess

    if SubjectAccess.objects.filter(user=user, subject=subject).exists():
        return "all"
    if has_perm(user, "credit.view_members"):
        return "members"
    return "public"


def visible_records(subject: Subject, level: str, *, on: dt.date | None = None, history: bool = False) -> Any:
    """Current records (with history: all versions) the viewer may see; past
    their disclosure period records do not show, except to staff."""
    on = on or today()
    qs = CreditRecord.objects.filter(subject=subject, access__in=ACCESS_FOR[level]).select_related("kind")
    if not history:
        qs = qs.current()
    if level != "all":
        from django.db.models import Q

        qs = qs.filter(Q(disclosed_until__isnull=True) | Q(disclosed_until__gt=on))
    return qs


# --- policies -------------------------------------------------------------------

def kinds_info() -> dict[str, tuple[int, bool]]:
    return {code: (pol, conduct) for code, pol, conduct in RecordKind.objects.values_list("code", "polarity", "conduct")}


def conduct_kinds() -> set[str]:
    return {c for c, (_p, conduct) in kinds_info().items() if conduct}


_parsed: dict[str, ParsedPolicy] = {}


def parsed(row: Policy) -> ParsedPolicy:
    p = _parsed.get(row.sha256)
    if p is None:
        p = _parsed[row.sha256] = parse(row.text)
    return p


def active_policy_row() -> Policy:
    row = Policy.objects.filter(status=PolicyStatus.ACTIVE).first()
    if row is None:  # first use: the default policy shipped with chengxin
        text = default_text()
        p = parse(text, kinds=kinds_info())
        with transaction.atomic():
            row, _created = Policy.objects.get_or_create(
                version=p.version, defaults={"text": text, "sha256": p.sha256, "status": PolicyStatus.ACTIVE,
                                             "uploaded_at": clock.now(), "activated_at": clock.now()})
    return row


def active_policy() -> ParsedPolicy:
    return parsed(active_policy_row())


def upload_policy(*, actor: Any, text: str) -> Policy:
    check(actor, "credit.policy")
    p = parse(text, kinds=kinds_info())
    if Policy.objects.filter(version=p.version).exists():
        raise Conflict(_("A policy with version %(v)s exists already; give the new one its own version.") % {"v": p.version},
                       field="policy", code="duplicate_version")
    row = Policy.objects.create(version=p.version, text=text, sha256=p.sha256, uploaded_at=clock.now(), uploaded_by=actor)
    audit.record(actor=actor, action="credit.policy_upload", obj=row, after={"version": row.version, "sha256": row.sha256})
    return row


def preview(*, actor: Any, row: Policy, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """How grades would change under `row` compared with the active policy
    (nothing is written but the summary on the draft)."""
    check(actor, "credit.policy")
    new, old = parsed(row), active_policy()
    conduct, as_of = conduct_kinds(), today()
    s_new, s_old = engine.Scorer(new, conduct, as_of), engine.Scorer(old, conduct, as_of)
    moves: Counter[tuple[str, str]] = Counter()
    examples: list[dict[str, Any]] = []
    total = 0
    from .grading import id_ranges

    for lo, hi in id_ranges():
        # grades only (no explanation): the compiled scorers, as a full recomputation uses them
        old_batch = engine.compute(s_old, id_range=(lo, hi), explain=False)
        for a, b in zip(old_batch, engine.compute(s_new, id_range=(lo, hi), explain=False), strict=True):
            total += 1
            moves[(a.grade, b.grade)] += 1
            if a.grade != b.grade and len(examples) < 20:
                examples.append({"subject_id": a.subject_id, "from": a.grade, "to": b.grade,
                                 "score_from": a.score, "score_to": b.score})
        if progress:
            progress(hi)
    changed = sum(n for (a, b), n in moves.items() if a != b)
    summary = {"against": old.version, "as_of": as_of.isoformat(), "subjects": total, "changed": changed,
               "moves": [{"from": a, "to": b, "count": n} for (a, b), n in sorted(moves.items()) if a != b],
               "examples": examples}
    Policy.objects.filter(pk=row.pk).update(preview=summary)
    return summary


@transaction.atomic
def activate(*, actor: Any, row: Policy) -> Policy:
    check(actor, "credit.policy")
    row = Policy.objects.select_for_update().get(pk=row.pk)
    if row.status == PolicyStatus.ACTIVE:
        raise Conflict(_("This policy is already active."), code="already_active")
    parse(row.text, kinds=kinds_info())  # the kinds may have changed since the upload
    old = Policy.objects.filter(status=PolicyStatus.ACTIVE).first()
    if old is not None:
        Policy.objects.filter(pk=old.pk).update(status=PolicyStatus.RETIRED)
    Policy.objects.filter(pk=row.pk).update(status=PolicyStatus.ACTIVE, activated_at=clock.now(), activated_by=actor)
    audit.record(actor=actor, action="credit.policy_activate", obj=row,
                 before={"version": old.version if old else None}, after={"version": row.version, "sha256": row.sha256})
    transaction.on_commit(lambda: _enqueue_full())
    row.refresh_from_db()
    return row


def _enqueue_full() -> None:
    from .tasks import recompute_all

    recompute_all.enqueue()


def subject_result(subject: Subject, *, as_of: dt.date | None = None) -> engine.Result:
    """The explanation: the same computation as the stored grade, for one subject."""
    policy = active_policy()
    scorer = engine.Scorer(policy, conduct_kinds(), as_of or today())
    (result,) = list(engine.compute(scorer, ids=[subject.pk]))  # consumed: the cursor is closed
    return result


def explanation(subject: Subject, *, lang: str = "zh-hans") -> dict[str, Any]:
    """Grade, score and each factor with its inputs and points, in the viewer's language."""
    policy = active_policy()
    grade = Grade.objects.filter(subject=subject).first()
    res = subject_result(subject)
    en = lang.startswith("en")
    factors = []
    for f in policy.factors:
        d = res.details[f.code]
        template = f.explain_en if en else f.explain
        fmt = {k: (f"{v:.0%}" if k == "rate" else v) for k, v in d.items()}
        fmt.setdefault("count", d.get("count", 0))
        try:
            text = template.format(**fmt)
        except (KeyError, IndexError, ValueError):
            text = template
        if "weighted" in d and d["weighted"] != d.get("count"):
            text += (f" (weighted by age: {d['weighted']})" if en else f"（按时间加权 {d['weighted']}）")
        factors.append({"code": f.code, "label": f.label_en if en else f.label, "text": text, "points": d["points"],
                        "inputs": d})
    caps = [{"grade": c.grade, "label": c.label_en if en else c.label} for c in policy.caps if c.grade in res.capped_by]
    return {
        "grade": res.grade, "score": res.score, "base": policy.base, "evidence": res.evidence,
        "min_evidence": policy.min_evidence, "policy_version": policy.version,
        "policy_name": policy.name_en if en else policy.name, "as_of": today().isoformat(),
        "stored": {"grade": grade.grade, "score": grade.score, "as_of": grade.as_of.isoformat(),
                   "policy_version": grade.policy_version} if grade else None,
        "factors": factors, "caps": caps, "scale": [{"grade": g, "min": low} for g, low in policy.grades],
    }


def history(subject: Subject, limit: int = 50) -> list[GradeChange]:
    return list(GradeChange.objects.filter(subject=subject)[:limit])


# --- questions other domains ask ------------------------------------------------------

MAJOR_COMPLAINT_KINDS = ("complaint.unanswered", "complaint.unresolved", "complaint.mediation_failed")


def major_complaints_since(subject: Subject, since: dt.datetime) -> int:
    """Complaints that ended badly (unanswered, unresolved, mediation failed)
    since `since`: the membership rule "no major complaint in the month
    before applying" (000 四)."""
    day = workdays.local_date(since)
    return CreditRecord.objects.current().filter(subject=subject, kind_id__in=MAJOR_COMPLAINT_KINDS,
                                                 occurred_on__gte=day).count()
