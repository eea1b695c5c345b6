"""Credit pages and API: the grade with its explanation, what each viewer
sees of the records, staff entry and correction, and the policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chengxin.accounts import services as accounts
from chengxin.core.permissions import Role
from chengxin.credit import grading, services
from chengxin.credit.models import CreditRecord, Policy
from chengxin.credit.policy import default_text
from tests.factories import make_subject, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client: Any) -> Any:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def subject(admin_user: Any) -> Any:
    s = make_subject(admin_user)
    today = services.today()
    services.add_record(subject=s, kind_code="identity.verified", occurred_on=today, summary="营业执照已核验",
                        evidence="application #1")
    services.add_record(subject=s, kind_code="complaint.unanswered", tag="none", occurred_on=today,
                        summary="投诉（质量）：投诉未回应", evidence="TS2026112300000001")
    services.add_record(subject=s, kind_code="platform.violation", occurred_on=today - dt.timedelta(days=3),
                        summary="平台处置：售假下架", source="member_platform", source_name="某电商平台", evidence="工单 8812")
    grading.run_pending()
    return s


def test_integrity_file_shows_the_grade_and_links_the_explanation(client: Any, subject: Any) -> None:
    page = client.get(f"/s/{subject.pk}").content.decode()
    assert 'id="grade"' in page and f"/s/{subject.pk}/credit" in page
    page = client.get(f"/s/{subject.pk}/credit").content.decode()
    assert "unanswered complaints in the last 12 months: 1" in page
    assert 'id="factor-unanswered"' in page


def test_public_sees_public_records_without_evidence(client: Any, subject: Any) -> None:
    body = client.get(f"/api/v1/subjects/{subject.pk}/credit/records").json()
    kinds = {r["kind"] for r in body["items"]}
    assert kinds == {"identity.verified", "complaint.unanswered"}  # the platform violation is for members
    assert all(r["evidence"] is None for r in body["items"])
    page = client.get(f"/s/{subject.pk}/credit").content.decode()
    assert "TS2026112300000001" not in page and "工单 8812" not in page


def test_members_see_member_records_and_the_subject_sees_everything(client: Any, subject: Any) -> None:
    other = make_user(Role.MEMBER)
    client.force_login(other)
    body = client.get(f"/api/v1/subjects/{subject.pk}/credit/records").json()
    assert "platform.violation" in {r["kind"] for r in body["items"]}
    assert all(r["evidence"] is None for r in body["items"])
    own = make_user(Role.MEMBER)
    accounts.grant_subject_access(actor=None, user=own, subject=subject)
    client.force_login(own)
    body = client.get(f"/api/v1/subjects/{subject.pk}/credit/records").json()
    assert {r["evidence"] for r in body["items"]} >= {"工单 8812", "TS2026112300000001"}


def test_credit_api_explains_factor_by_factor(client: Any, subject: Any) -> None:
    body = client.get(f"/api/v1/subjects/{subject.pk}/credit").json()
    assert body["grade"] and body["policy_version"] == "2026.1"
    points = {f["code"]: f["points"] for f in body["factors"]}
    assert points["unanswered"] == -4.0 and points["identity"] == 6.0
    assert round(body["base"] + sum(points.values()), 1) == body["score"]
    assert body["history"][0]["grade"] == body["grade"]


def test_staff_enter_correct_retract_through_pages(client: Any, subject: Any, reviewer: Any) -> None:
    client.force_login(reviewer)
    resp = client.post(f"/staff/credit/subjects/{subject.pk}/records/new", {
        "kind": "award", "summary": "2026年度诚信示范单位", "evidence": "协会文件〔2026〕3号",
        "occurred_on": services.today().isoformat(), "source": "platform"})
    assert resp.status_code == 302
    r = CreditRecord.objects.get(subject=subject, kind="award")
    resp = client.post(f"/staff/credit/records/{r.pk}", {"action": "correct", "summary": "2026年度诚信示范单位（复核）",
                                                         "occurred_on": r.occurred_on.isoformat(), "evidence": r.evidence,
                                                         "access": "public", "reason": ""})
    assert resp.status_code == 400 and b"Give the reason for the correction" in resp.content
    resp = client.post(f"/staff/credit/records/{r.pk}", {"action": "correct", "summary": "2026年度诚信示范单位（复核）",
                                                         "occurred_on": r.occurred_on.isoformat(), "evidence": r.evidence,
                                                         "access": "public", "reason": "名称更正"})
    assert resp.status_code == 302
    new = CreditRecord.objects.get(supersedes=r)
    assert client.post(f"/staff/credit/records/{new.pk}", {"action": "retract", "reason": "误录"}).status_code == 302
    assert not CreditRecord.objects.filter(subject=subject, kind="award").current().exists()


def test_record_entry_errors(client: Any, subject: Any, reviewer: Any, consumer: Any) -> None:
    client.force_login(consumer)
    assert client.get(f"/staff/credit/subjects/{subject.pk}/records/new").status_code == 403
    resp = client.post("/api/v1/credit/records", {"subject": subject.pk, "kind": "award", "summary": "x", "evidence": "y",
                                                   "occurred_on": "2026-01-01"}, content_type="application/json")
    assert resp.status_code == 403
    client.force_login(reviewer)
    resp = client.post("/api/v1/credit/records", {"subject": subject.pk, "kind": "award", "summary": "x", "evidence": "",
                                                   "occurred_on": "2026-01-01"}, content_type="application/json")
    assert resp.status_code == 422 and resp.json()["field"] == "evidence", resp.json()
    resp = client.post(f"/staff/credit/subjects/{subject.pk}/records/new", {
        "kind": "award", "summary": "x", "evidence": "", "occurred_on": "2026-01-01"},
        )
    assert resp.status_code == 400
    exe = b"MZ\x90\x00" + b"\x00" * 100
    from django.core.files.uploadedfile import SimpleUploadedFile

    resp = client.post(f"/staff/credit/subjects/{subject.pk}/records/new", {
        "kind": "award", "summary": "x", "evidence": "", "occurred_on": "2026-01-01",
        "evidence_file": SimpleUploadedFile("scan.jpg", exe)})
    assert resp.status_code == 400 and b'id="error-file"' in resp.content
    assert not CreditRecord.objects.filter(subject=subject, kind="award").exists()


def test_policy_upload_preview_activate(client: Any, subject: Any, admin_user: Any, reviewer: Any) -> None:
    assert client.get("/credit/policy").status_code == 200  # public
    client.force_login(reviewer)
    assert client.post("/staff/credit/policy/upload", {"text": "x"}).status_code == 403
    client.force_login(admin_user)
    bad = client.post("/staff/credit/policy/upload", {"text": default_text().replace("points_each = -4", "points_each = 4")})
    assert bad.status_code == 400 and b"sign does not fit" in bad.content
    strict = default_text().replace('version = "2026.1"', 'version = "2026.2"').replace("points_each = -4", "points_each = -20")
    assert client.post("/staff/credit/policy/upload", {"text": strict}).status_code == 302
    draft = Policy.objects.get(version="2026.2")
    resp = client.post(f"/staff/credit/policy/{draft.pk}/activate")
    draft.refresh_from_db()
    assert draft.status == "draft"  # not without a preview
    client.post(f"/staff/credit/policy/{draft.pk}/preview")
    draft.refresh_from_db()
    assert draft.preview["changed"] == 1 and draft.preview["subjects"] >= 1
    assert draft.preview["moves"][0]["to"] in ("C", "D")
    resp = client.post(f"/staff/credit/policy/{draft.pk}/activate")
    assert resp.status_code == 302
    assert services.active_policy().version == "2026.2"
    grading.recompute()
    assert services.explanation(subject)["factors"][-4]["code"]  # computed under the new policy
    body = client.get(f"/api/v1/subjects/{subject.pk}/credit").json()
    assert body["policy_version"] == "2026.2"
    assert body["history"][0]["policy_version"] == "2026.2"


def test_cli_recompute_and_policy(subject: Any, admin_user: Any, tmp_path: Any) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out, err = StringIO(), StringIO()
    call_command("credit", "recompute", "--progress", "always", stdout=out, stderr=err)
    assert "subjects graded under policy 2026.1" in out.getvalue() and "100%" in err.getvalue()
    bad = tmp_path / "bad.toml"
    bad.write_text(default_text().replace("half_life_days = 365", "half_life_days = -1"), encoding="utf-8")
    with pytest.raises(CommandError, match="half_life_days: must be positive"):
        call_command("credit", "policy", "check", str(bad))
    good = tmp_path / "good.toml"
    good.write_text(default_text().replace('version = "2026.1"', 'version = "2026.9"'), encoding="utf-8")
    call_command("credit", "policy", "upload", str(good), "--actor", admin_user.username, stdout=out)
    call_command("credit", "policy", "preview", "2026.9", "--actor", admin_user.username, stdout=out)
    assert "0 of" in out.getvalue()
    call_command("credit", "policy", "activate", "2026.9", "--actor", admin_user.username, stdout=out)
    assert services.active_policy().version == "2026.9"
