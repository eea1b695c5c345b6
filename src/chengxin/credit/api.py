"""Credit API: a subject's grade with its explanation and history, its
records (as far as the caller may see them), staff entry and correction of
records, and the scoring policies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja import Router, Schema

from chengxin.core.api import ERROR_RESPONSES, Access, Page, paginate
from chengxin.registry.services import get_subject

from . import services
from .models import CreditRecord, Policy, RecordKind

router = Router(tags=["credit"])


class FactorOut(Schema):
    code: str
    label: str
    text: str
    points: float
    inputs: dict[str, Any]


class CapOut(Schema):
    grade: str
    label: str


class ScaleOut(Schema):
    grade: str
    min: float


class HistoryOut(Schema):
    at: dt.datetime
    as_of: dt.date
    previous: str
    grade: str
    score: float
    policy_version: str


class CreditOut(Schema):
    subject_id: int
    grade: str  # "" = not rated (not enough evidence)
    score: float
    base: float
    evidence: int
    min_evidence: int
    policy_version: str
    policy_name: str
    as_of: str
    factors: list[FactorOut]
    caps: list[CapOut]
    scale: list[ScaleOut]
    history: list[HistoryOut]


def _lang(request: HttpRequest) -> str:
    return translation.get_language() or "zh-hans"


@router.get("/subjects/{subject_id}/credit", response={200: CreditOut, **ERROR_RESPONSES}, auth=Access("public"),
            summary="Credit grade of a subject, factor by factor, with its history")
def subject_credit(request: HttpRequest, subject_id: int) -> dict[str, Any]:
    subject = get_subject(subject_id)
    e = services.explanation(subject, lang=_lang(request))
    e["subject_id"] = subject.pk
    e["history"] = services.history(subject)
    return e


class RecordOut(Schema):
    id: int
    kind: str
    kind_name: str
    tag: str
    polarity: int
    source: str
    source_name: str
    summary: str
    occurred_on: dt.date
    disclosed_until: dt.date | None = None
    access: str
    supersedes: int | None = None
    retraction: bool
    current: bool
    evidence: str | None = None  # staff and the subject itself only
    evidence_sha256: str | None = None
    reason: str | None = None
    created_at: dt.datetime


def record_out(r: CreditRecord, level: str, *, en: bool, superseded: set[int]) -> dict[str, Any]:
    full = level == "all"
    return {
        "id": r.pk, "kind": r.kind_id, "kind_name": r.kind.name_en if en and r.kind.name_en else r.kind.name,
        "tag": r.tag, "polarity": r.polarity, "source": r.source, "source_name": r.source_name,
        "summary": r.summary_en if en and r.summary_en else r.summary, "occurred_on": r.occurred_on,
        "disclosed_until": r.disclosed_until, "access": r.access, "supersedes": r.supersedes_id,
        "retraction": r.retraction, "current": r.pk not in superseded and not r.retraction,
        "evidence": r.evidence if full else None, "evidence_sha256": r.evidence_sha256 if full else None,
        "reason": r.reason if full else None, "created_at": r.created_at,
    }


@router.get("/subjects/{subject_id}/credit/records", response={200: Page[RecordOut], **ERROR_RESPONSES},
            auth=Access("public"), summary="Credit records of a subject the caller may see (history=true: every version)")
def subject_records(request: HttpRequest, subject_id: int, history: bool = False, page: int = 1,
                    page_size: int = 20) -> dict[str, Any]:
    subject = get_subject(subject_id)
    level = services.access_level(request.user, subject)
    out = paginate(services.visible_records(subject, level, history=history), page=page, page_size=page_size)
    superseded = set(CreditRecord.objects.filter(supersedes__in=[r.pk for r in out["items"]]).values_list("supersedes_id", flat=True))
    en = _lang(request).startswith("en")
    out["items"] = [record_out(r, level, en=en, superseded=superseded) for r in out["items"]]
    return out


class KindOut(Schema):
    code: str
    name: str
    name_en: str
    polarity: int
    disclosure_days: int | None = None
    access: str
    conduct: bool
    staff_entry: bool


@router.get("/credit/kinds", response=list[KindOut], auth=Access("public"),
            summary="Kinds of credit records with their default disclosure period and access class")
def kinds(request: HttpRequest) -> Any:
    return list(RecordKind.objects.all())


class RecordIn(Schema):
    subject: int
    kind: str
    summary: str
    summary_en: str = ""
    evidence: str = ""
    occurred_on: str
    disclosed_until: str | None = None
    source: str = "platform"
    source_name: str = ""
    access: str | None = None
    reason: str = ""


@router.post("/credit/records", response={201: RecordOut, **ERROR_RESPONSES}, auth=Access("credit.enter"),
             summary="Enter a credit record with its evidence (staff)")
def enter(request: HttpRequest, payload: RecordIn) -> tuple[int, dict[str, Any]]:
    subject = get_subject(payload.subject)
    r = services.enter_record(actor=request.user, subject=subject, data=payload.dict())
    return 201, record_out(r, "all", en=False, superseded=set())


class CorrectIn(Schema):
    reason: str
    summary: str | None = None
    summary_en: str | None = None
    evidence: str | None = None
    occurred_on: str | None = None
    disclosed_until: str | None = None
    access: str | None = None


@router.post("/credit/records/{record_id}/correct", response={201: RecordOut, **ERROR_RESPONSES},
             auth=Access("credit.enter"), summary="Correct a record: a new version supersedes it (staff)")
def correct(request: HttpRequest, record_id: int, payload: CorrectIn) -> tuple[int, dict[str, Any]]:
    r = services.get_record(record_id)
    data = {k: v for k, v in payload.dict().items() if v is not None and k != "reason"}
    new = services.correct(actor=request.user, record=r, data=data, reason=payload.reason)
    return 201, record_out(new, "all", en=False, superseded=set())


class ReasonIn(Schema):
    reason: str


@router.post("/credit/records/{record_id}/retract", response={201: RecordOut, **ERROR_RESPONSES},
             auth=Access("credit.enter"), summary="Retract a record (staff); the history keeps it")
def retract(request: HttpRequest, record_id: int, payload: ReasonIn) -> tuple[int, dict[str, Any]]:
    r = services.get_record(record_id)
    new = services.retract(actor=request.user, record=r, reason=payload.reason)
    return 201, record_out(new, "all", en=False, superseded=set())


class PolicyOut(Schema):
    id: int
    version: str
    status: str
    sha256: str
    uploaded_at: dt.datetime
    activated_at: dt.datetime | None = None
    text: str
    preview: dict[str, Any] | None = None


@router.get("/credit/policy", response=PolicyOut, auth=Access("public"),
            summary="The active scoring policy, as the configuration text that defines it")
def active_policy(request: HttpRequest) -> Policy:
    return services.active_policy_row()


@router.get("/credit/policies", response=list[PolicyOut], auth=Access("credit.policy"), summary="All scoring policies")
def policies(request: HttpRequest) -> Any:
    services.active_policy_row()
    return list(Policy.objects.all())


class PolicyIn(Schema):
    text: str


@router.post("/credit/policies", response={201: PolicyOut, **ERROR_RESPONSES}, auth=Access("credit.policy"),
             summary="Upload a draft policy (checked; not active until activated)")
def upload(request: HttpRequest, payload: PolicyIn) -> tuple[int, Policy]:
    return 201, services.upload_policy(actor=request.user, text=payload.text)


def _policy(pk: int) -> Policy:
    from chengxin.core.errors import NotFound

    row = Policy.objects.filter(pk=pk).first()
    if row is None:
        raise NotFound("No such policy.")
    return row


@router.post("/credit/policies/{policy_id}/preview", response={200: dict[str, Any], **ERROR_RESPONSES},
             auth=Access("credit.policy"), summary="How many subjects would change grade under this policy")
def preview(request: HttpRequest, policy_id: int) -> dict[str, Any]:
    return services.preview(actor=request.user, row=_policy(policy_id))


@router.post("/credit/policies/{policy_id}/activate", response={200: PolicyOut, **ERROR_RESPONSES},
             auth=Access("credit.policy"), summary="Activate a policy; all grades are recomputed")
def activate(request: HttpRequest, policy_id: int) -> Policy:
    return services.activate(actor=request.user, row=_policy(policy_id))
