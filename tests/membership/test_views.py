from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chengxin.membership.models import Application, Status

from .conftest import PDF

pytestmark = pytest.mark.django_db


def _file_application(client, subject, site):
    r = client.post("/me/applications/new", {"subject": subject.pk})
    assert r.status_code == 302
    app = Application.objects.get(subject=subject)
    url = f"/me/applications/{app.pk}"
    client.post(url, {"op": "upload", "kind": "licence", "file": SimpleUploadedFile("licence.pdf", PDF, "application/pdf")})
    r = client.post(url, {"op": "submit", "applicant_type": "b2c", "level": "member", "sites": [site.pk],
                          "contact_name": "李娜", "contact_phone": "13800138000", "contact_email": "l@example.com",
                          "size_band": "small", "declaration": "on"})
    assert r.status_code == 302
    app.refresh_from_db()
    return app


def test_applicant_reviewer_and_fees_through_the_pages(client, login, applicant, reviewer, admin_user):
    from django.test import Client

    from ..factories import PASSWORD

    user, subject, site = applicant
    c = login(user)
    app = _file_application(c, subject, site)
    assert app.status == Status.SUBMITTED
    staff = Client()
    staff.login(username=reviewer.username, password=PASSWORD)
    queue = staff.get("/staff/applications/").content.decode()
    assert subject.name in queue
    assert staff.get(f"/staff/applications/{app.pk}").status_code == 200
    doc = app.documents.get()
    assert staff.get(f"/applications/documents/{doc.pk}").status_code == 200
    staff.post(f"/staff/applications/{app.pk}/approve", {"message": "ok"})
    app.refresh_from_db()
    assert app.status == Status.APPROVED
    # a reviewer may not record fees
    assert staff.post(f"/staff/applications/{app.pk}/payment", {"amount": "3000", "method": "bank", "reference": "x"}).status_code == 403
    boss = Client()
    boss.login(username=admin_user.username, password=PASSWORD)
    boss.post(f"/staff/applications/{app.pk}/payment", {"amount": "3000.00", "method": "bank", "reference": "TX-9", "receipt_number": "R-9"})
    app.refresh_from_db()
    assert app.status == Status.ACTIVE
    page = client.get(f"/s/{subject.pk}").content.decode()
    from django.utils import timezone

    assert 'id="membership"' in page and timezone.localtime(app.ends_at).strftime("%Y-%m-%d") in page
    assert subject.name in client.get("/members").content.decode()
    body = json.loads(client.get("/api/v1/members").content)
    assert body["count"] == 1 and body["items"][0]["subject_id"] == subject.pk


def test_incomplete_submission_shows_what_is_missing(login, applicant):
    user, subject, _site = applicant
    c = login(user)
    c.post("/me/applications/new", {"subject": subject.pk})
    app = Application.objects.get(subject=subject)
    r = c.post(f"/me/applications/{app.pk}", {"op": "submit"}, follow=True)
    app.refresh_from_db()
    assert app.status == Status.DRAFT
    assert r.content.decode().count('class="error"') >= 1 or "errorlist" in r.content.decode()


def test_wrong_file_type_upload_is_refused_on_the_page(login, applicant):
    user, subject, _ = applicant
    c = login(user)
    c.post("/me/applications/new", {"subject": subject.pk})
    app = Application.objects.get(subject=subject)
    c.post(f"/me/applications/{app.pk}", {"op": "upload", "kind": "licence", "file": SimpleUploadedFile("x.exe", b"MZ....")})
    assert app.documents.count() == 0


def test_others_cannot_see_an_application_or_its_documents(client, login, applicant, member, consumer):
    user, subject, site = applicant
    app = _file_application(login(user), subject, site)
    doc = app.documents.get()
    client.logout()
    other = login(member)
    assert other.get(f"/me/applications/{app.pk}").status_code == 403
    assert other.get(f"/applications/documents/{doc.pk}").status_code == 403
    client.logout()
    c = login(consumer)
    assert c.get("/staff/applications/").status_code == 403


def test_queue_api_for_staff(client, login, applicant, reviewer):
    from chengxin.accounts.services import create_token
    from chengxin.core.permissions import Role

    from ..factories import make_user

    user, subject, site = applicant
    _file_application(login(user), subject, site)
    admin = make_user(Role.ADMIN)
    _t, raw = create_token(actor=admin, user=reviewer, name="queue")
    client.logout()
    body = client.get("/api/v1/applications/queue", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert body["count"] == 1 and body["items"][0]["review_due_at"]
    assert client.get("/api/v1/applications/queue").status_code == 401


def test_applicant_registers_a_new_subject_with_the_application(login, member):
    from chengxin.ledger.models import AuditEntry
    from chengxin.registry.models import Subject

    from ..factories import make_uscc

    c = login(member)
    bad = c.post("/me/applications/new-subject", {"kind": "organisation", "name": "温州新申请科技有限公司", "uscc": "91350100M000100Y44", "province": "330000"})
    assert bad.status_code == 200 and not Subject.objects.filter(name="温州新申请科技有限公司").exists()
    code = make_uscc()
    r = c.post("/me/applications/new-subject", {"kind": "organisation", "name": "温州新申请科技有限公司", "uscc": code, "province": "330000", "city": "330300"})
    assert r.status_code == 302
    subject = Subject.objects.get(uscc=code)
    assert member.subjects.filter(pk=subject.pk).exists()
    app = Application.objects.get(subject=subject)
    assert app.status == Status.DRAFT and app.applicant == member
    assert AuditEntry.objects.filter(action="subject.create", object_id=str(subject.pk), actor=member).exists()


def test_consumers_cannot_register_subjects(login, consumer):
    c = login(consumer)
    assert c.post("/me/applications/new-subject", {"kind": "organisation", "name": "x", "province": "330000"}).status_code == 403
