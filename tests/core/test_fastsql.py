"""fastsql reads and writes the same rows and instances as the ORM, for the
models whose hot paths use it (on SQLite and PostgreSQL: the suite runs on both)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from chengxin.accounts import services as accounts
from chengxin.accounts.models import ApiToken, Notification, User
from chengxin.complaints.models import Category, Complaint, ComplaintEvent, ResponsePromise
from chengxin.core import fastsql
from chengxin.core.models import OutboxMessage
from chengxin.core.permissions import Role
from chengxin.registry.models import Subject
from tests.factories import make_subject, make_user

pytestmark = pytest.mark.django_db


def _fields(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def _same_instance(ours: Any, orm: Any) -> None:
    assert type(ours) is type(orm)
    assert _fields(ours) == _fields(orm)
    assert ours._state.adding is False and ours._state.db == orm._state.db


def test_select_equals_the_orm_with_related_rows_and_nulls(admin_user: Any) -> None:
    with_all = make_subject(admin_user)  # with a city and an industry
    bare = make_subject(admin_user, city="", industry="")
    assert with_all.city_id and with_all.industry_id and bare.city_id is None and bare.industry_id is None
    ours = fastsql.select(Subject, "t.id IN (%s, %s)", [with_all.pk, bare.pk],
                          related=("province", "city", "industry"), order_by="t.id")
    orm = list(Subject.objects.select_related("province", "city", "industry").filter(pk__in=[with_all.pk, bare.pk]).order_by("id"))
    assert len(ours) == 2
    for a, b in zip(ours, orm, strict=True):
        _same_instance(a, b)
        for name in ("province", "city", "industry"):
            fk = Subject._meta.get_field(name)
            assert fk.is_cached(a), name  # attached: reading it runs no query
            if getattr(b, name) is None:
                assert getattr(a, name) is None
            else:
                _same_instance(getattr(a, name), getattr(b, name))
    assert fastsql.select_one(Subject, "t.id = %s", [10**9]) is None


def test_select_token_with_user(admin_user: Any) -> None:
    user = make_user(Role.CONSUMER, phone="13900000001")
    token, _raw = accounts.create_token(actor=admin_user, user=user, name="t",
                                        expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    ours = fastsql.select_one(ApiToken, "t.prefix = %s", [token.prefix], related=("user",))
    orm = ApiToken.objects.select_related("user").get(pk=token.pk)
    assert ours is not None
    _same_instance(ours, orm)
    _same_instance(ours.user, orm.user)
    assert ours.expires_at == dt.datetime(2030, 1, 1, tzinfo=dt.UTC) and ours.expires_at.tzinfo is not None


def test_select_promise_and_category() -> None:
    cat = Category.objects.filter(active=True).first()
    assert cat is not None
    _same_instance(fastsql.select_one(Category, "t.code = %s AND t.active = %s", [cat.code, True]), cat)


def test_insert_writes_what_save_writes(admin_user: Any) -> None:
    shop = make_subject(admin_user)
    consumer = make_user(Role.CONSUMER, email="c@mail.example")
    now = dt.datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=dt.UTC)
    cat = Category.objects.filter(active=True).first()

    def complaint(number: str) -> Complaint:
        return Complaint(number=number, subject=shop, complainant=consumer, category=cat, site="shop.example",
                         order_ref="DD1", amount=Decimal("299.50"), remedies=["refund", "apology"], title="标题四个字",
                         description="描述" * 10, contact_name="欧阳娜", contact_phone="13900000002",
                         contact_email="c@mail.example", consent_at=now, public_consent=True, idempotency_key=None,
                         status="awaiting_response", status_changed_at=now, filed_at=now, confirm_due_at=now,
                         response_due_at=now + dt.timedelta(days=10), checks=[{"check": "respondent", "ok": True}])

    ours = fastsql.insert(complaint("TS1"))
    orm = complaint("TS2")
    orm.save(force_insert=True)
    assert ours.pk is not None and ours.pk != orm.pk and ours._state.adding is False
    a, b = _fields(Complaint.objects.get(pk=ours.pk)), _fields(Complaint.objects.get(pk=orm.pk))
    assert a.pop("id") == ours.pk and a.pop("number") == "TS1"
    b.pop("id"), b.pop("number")
    assert a == b
    assert a["amount"] == Decimal("299.50") and a["remedies"] == ["refund", "apology"] and a["filed_at"] == now

    ev = fastsql.insert(ComplaintEvent(complaint=ours, at=now, actor=None, party="system", kind="checks",
                                       from_status="", to_status="", message="消息", visibility="staff"))
    assert _fields(ComplaintEvent.objects.get(pk=ev.pk)) == _fields(ev)
    note = fastsql.insert(Notification(user=consumer, text="通知", url="/x", created_at=now))
    assert _fields(Notification.objects.get(pk=note.pk)) == _fields(note)
    msg = fastsql.insert(OutboxMessage(channel="email", recipient="c@mail.example", subject="s", body="b",
                                       dedupe_key="k1", next_attempt_at=now, created_at=now))
    stored = OutboxMessage.objects.get(pk=msg.pk)
    assert _fields(stored) == _fields(msg) and stored.status == msg.status and stored.attempts == 0


def test_insert_constraint_errors_and_refusals(admin_user: Any) -> None:
    now = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    fastsql.insert(OutboxMessage(channel="email", recipient="a@b.example", dedupe_key="same", next_attempt_at=now, created_at=now))
    with pytest.raises(IntegrityError), transaction.atomic():
        fastsql.insert(OutboxMessage(channel="email", recipient="a@b.example", dedupe_key="same", next_attempt_at=now, created_at=now))
    assert OutboxMessage.objects.filter(dedupe_key="same").count() == 1
    again = OutboxMessage(channel="email", recipient="a@b.example", dedupe_key="same", next_attempt_at=now, created_at=now)
    assert fastsql.insert_unless_exists(again, "dedupe_key") is None and again.pk is None
    other = fastsql.insert_unless_exists(
        OutboxMessage(channel="email", recipient="a@b.example", dedupe_key="other", next_attempt_at=now, created_at=now), "dedupe_key")
    assert other is not None and OutboxMessage.objects.get(dedupe_key="other").pk == other.pk
    assert OutboxMessage.objects.count() == 2
    existing = OutboxMessage.objects.get(dedupe_key="same")
    with pytest.raises(ValueError, match="new rows"):
        fastsql.insert(existing)
    user = User.objects.first()
    promise = ResponsePromise(subject=make_subject(admin_user), hours=48, set_by=user, set_at=now)
    fastsql.insert(promise)
    _same_instance(fastsql.select_one(ResponsePromise, "t.subject_id = %s", [promise.subject_id]),
                   ResponsePromise.objects.get(pk=promise.pk))


def test_reverse_one_to_one_attached_or_absent(admin_user: Any, django_assert_num_queries: Any) -> None:
    promised, plain = make_subject(admin_user), make_subject(admin_user)
    user = User.objects.first()
    ResponsePromise.objects.create(subject=promised, hours=48, set_by=user, set_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
    a = fastsql.select_one(Subject, "t.id = %s", [promised.pk], related=("response_promise",))
    b = fastsql.select_one(Subject, "t.id = %s", [plain.pk], related=("response_promise",))
    assert a is not None and b is not None
    with django_assert_num_queries(0):
        assert a.response_promise.hours == 48 and a.response_promise.subject is a
        with pytest.raises(ResponsePromise.DoesNotExist):
            b.response_promise  # noqa: B018 - the descriptor raises
    _same_instance(a, Subject.objects.get(pk=promised.pk))
    _same_instance(a.response_promise, ResponsePromise.objects.get(subject=promised))
