from __future__ import annotations

from typing import Any

import pytest

from chengxin.accounts.models import OneTimeCode, User
from chengxin.complaints.models import Complaint
from chengxin.core.models import OutboxMessage

from .conftest import filing

pytestmark = pytest.mark.django_db


def test_file_through_the_form_without_javascript(client: Any, login: Any, shop: Any, complainant: Any, merchant: Any) -> None:
    login(complainant)
    r = client.get("/complaints/new", {"q": shop.name[:6]})
    assert shop.name in r.content.decode()
    data = {k: v for k, v in filing(shop).items() if k not in ("consent", "public_consent", "remedies")}
    r = client.post(f"/complaints/new?subject={shop.pk}", {**data, "remedies": ["refund", "apology"]})
    assert r.status_code == 200 and "error-consent" in r.content.decode()
    assert Complaint.objects.count() == 0
    r = client.post(f"/complaints/new?subject={shop.pk}", {**data, "remedies": ["refund"], "consent": "on", "idempotency_key": "form-1"})
    c = Complaint.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/me/complaints/{c.number}"
    # A double submit of the same form files nothing new.
    client.post(f"/complaints/new?subject={shop.pk}", {**data, "remedies": ["refund"], "consent": "on", "idempotency_key": "form-1"})
    assert Complaint.objects.count() == 1
    page = client.get(f"/me/complaints/{c.number}").content.decode()
    assert c.title in page and "timeline" in page
    client.logout()
    login(merchant)
    page = client.get(f"/me/complaints/{c.number}").content.decode()
    assert "answer-form" in page
    r = client.post(f"/me/complaints/{c.number}", {"op": "answer", "text": "我们已经安排退款。"})
    c.refresh_from_db()
    assert r.status_code == 302 and c.status == "answered"
    r = client.post(f"/me/complaints/{c.number}", {"op": "accept"}, follow=True)
    assert "Only the consumer" in r.content.decode()


def test_anonymous_is_sent_to_log_in(client: Any, file_one: Any) -> None:
    c = file_one()
    r = client.get(f"/me/complaints/{c.number}")
    assert r.status_code in (302, 401)
    assert c.title not in r.content.decode()


def test_register_with_a_code(client: Any, db: Any) -> None:
    r = client.post("/accounts/register/", {"op": "code", "destination": "138 0013 8000"})
    assert r.status_code == 200 and "register-form" in r.content.decode()
    sms = OutboxMessage.objects.get(channel="sms", recipient="13800138000")
    code = next(w for w in sms.body.split() if w.isdigit() and len(w) == 6) if any(
        w.isdigit() and len(w) == 6 for w in sms.body.split()) else __import__("re").search(r"\d{6}", sms.body).group()
    r = client.post("/accounts/register/", {"op": "register", "destination": "13800138000", "code": "000000" if code != "000000" else "111111",
                                           "display_name": "张三", "password": "Correct-Horse-77"})
    assert "error-code" in r.content.decode()
    assert OneTimeCode.objects.get().attempts == 1
    r = client.post("/accounts/register/", {"op": "register", "destination": "13800138000", "code": code,
                                           "display_name": "张三", "password": "Correct-Horse-77"})
    assert r.status_code == 302
    user = User.objects.get(username="13800138000")
    assert user.role == "consumer" and user.phone == "13800138000"
    r = client.post("/accounts/register/", {"op": "code", "destination": "not-a-phone"})
    assert "error-destination" in r.content.decode()


def test_code_requests_are_throttled(client: Any, db: Any) -> None:
    client.post("/accounts/register/", {"op": "code", "destination": "someone@example.org"})
    r = client.post("/accounts/register/", {"op": "code", "destination": "someone@example.org"})
    assert "minute" in r.content.decode()
    assert OutboxMessage.objects.filter(recipient="someone@example.org").count() == 1


def test_staff_queue_and_actions(client: Any, login: Any, file_one: Any, reviewer: Any, complainant: Any) -> None:
    c = file_one()
    file_one()  # duplicate: shown as a failed check
    login(reviewer)
    page = client.get("/staff/complaints/").content.decode()
    assert c.number in page and "not_duplicate" in page
    r = client.post(f"/staff/complaints/{c.number}", {"op": "confirm"})
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.confirmed_at is not None
    r = client.post(f"/staff/complaints/{c.number}", {"op": "deadline", "due": "not a date", "text": "x"}, follow=True)
    assert "Enter a date" in r.content.decode()
    r = client.post(f"/staff/complaints/{c.number}", {"op": "invalidate", "reason": "duplicate", "text": "与另一投诉重复"})
    c.refresh_from_db()
    assert c.status == "invalid"
