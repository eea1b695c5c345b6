from __future__ import annotations

import json

import pytest

from chengxin.accounts.services import create_token
from chengxin.ledger.models import AuditEntry

from ..factories import make_id_number, make_subject, make_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def natural(admin_user):
    number = make_id_number()
    subject = make_subject(admin_user, kind="individual", uscc="", id_number=number, name="张小花服装店",
                           legal_representative="张小花", contact_phone="13912345678", contact_email="zxh@example.com",
                           address="成都市武侯区某路8号", province="510000", city="510100")
    return subject, number


def _bearer(admin_user, user=None):
    _t, raw = create_token(actor=admin_user, user=user or admin_user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_search_api_is_paginated_consistently(client, admin_user):
    for i in range(25):
        make_subject(admin_user, name=f"义乌好运来日用百货商行{i}")
    r = client.get("/api/v1/subjects", {"q": "好运来", "page": 2, "page_size": 10})
    body = r.json()
    assert r.status_code == 200
    assert body["count"] == 25 and body["page"] == 2 and body["page_size"] == 10 and body["pages"] == 3
    assert len(body["items"]) == 10


@pytest.mark.parametrize("params", [{"page": 0}, {"page_size": 1000}, {"page": "x"}])
def test_bad_pagination_is_a_clear_error(client, db, params):
    r = client.get("/api/v1/subjects", params)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] and body["message"] and body["field"] in ("page", "page_size")


def test_public_api_never_shows_natural_persons_personal_data(client, natural):
    subject, number = natural
    for url in (f"/api/v1/subjects/{subject.pk}", "/api/v1/subjects?q=张小花"):
        text = client.get(url).content.decode()
        assert subject.name in text
        for secret in (number, "13912345678", "zxh@example.com", "张小花\"", "某路8号"):
            assert secret not in text, (url, secret)
        assert number[:3] + "*" not in text  # not even the masked form in public


def test_staff_api_shows_masked_number_only(client, admin_user, natural):
    subject, number = natural
    r = client.get(f"/api/v1/subjects/{subject.pk}", **_bearer(admin_user))
    body = r.json()
    assert body["id_number_masked"] == number[:3] + "*" * 11 + number[-4:]
    assert number not in r.content.decode()
    assert body["contact_phone"] == "13912345678"


def test_create_requires_a_token_with_the_right_role(client, admin_user, member):
    payload = {"kind": "organisation", "name": "深圳市前海优选供应链管理有限公司", "uscc": make_uscc(), "province": "440000", "city": "440300"}
    r = client.post("/api/v1/subjects", json.dumps(payload), content_type="application/json")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
    r = client.post("/api/v1/subjects", json.dumps(payload), content_type="application/json", **_bearer(admin_user, member))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = client.post("/api/v1/subjects", json.dumps(payload), content_type="application/json", HTTP_AUTHORIZATION="Bearer cx_bogus_x")
    assert r.status_code == 401
    r = client.post("/api/v1/subjects", json.dumps(payload), content_type="application/json", **_bearer(admin_user))
    assert r.status_code == 201, r.content
    assert r.json()["name"] == payload["name"]


def test_api_errors_name_the_field(client, admin_user):
    headers = _bearer(admin_user)
    before = AuditEntry.objects.count()
    payload = {"kind": "organisation", "name": "坏代码公司", "uscc": "91350100M000100Y44", "province": "350000"}
    r = client.post("/api/v1/subjects", json.dumps(payload), content_type="application/json", **headers)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid_uscc" and body["field"] == "uscc" and "3" in body["message"]
    assert AuditEntry.objects.count() == before


def test_duplicate_via_api_points_to_existing(client, admin_user, subject):
    payload = {"kind": "organisation", "name": "重复", "uscc": subject.uscc, "province": "110000"}
    r = client.post("/api/v1/subjects", json.dumps(payload), content_type="application/json", **_bearer(admin_user))
    assert r.status_code == 409
    assert r.json()["details"]["existing_id"] == subject.pk


def test_patch_is_audited_with_reason(client, admin_user, subject):
    r = client.patch(f"/api/v1/subjects/{subject.pk}", json.dumps({"address": "新地址1号", "reason": "moved"}),
                     content_type="application/json", **_bearer(admin_user))
    assert r.status_code == 200
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "subject.update" and entry.reason == "moved" and entry.after == {"address": "新地址1号"}


def test_session_api_write_needs_csrf(admin_user, subject):
    from django.test import Client

    from ..factories import PASSWORD

    c = Client(enforce_csrf_checks=True)
    c.login(username=admin_user.username, password=PASSWORD)
    r = c.patch(f"/api/v1/subjects/{subject.pk}", json.dumps({"address": "x", "reason": "y"}), content_type="application/json")
    assert r.status_code == 403


def test_openapi_schema_is_served(client, db):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    assert "/api/v1/subjects" in r.json()["paths"]


def test_regions_list(client, db):
    provinces = client.get("/api/v1/regions").json()
    assert len([r for r in provinces if r["level"] == "province"]) == 34
    zj = client.get("/api/v1/regions", {"parent": "330000"}).json()
    assert {"330100", "330200"} <= {r["code"] for r in zj}


def test_page_far_past_the_end_is_empty_not_an_error(client, db):
    r = client.get("/api/v1/subjects", {"page": 301645209478003731624439377297408})
    assert r.status_code in (200, 422)
    if r.status_code == 200:
        assert r.json()["items"] == []


@pytest.mark.parametrize("url", ["/api/v1/subjects?kind=%00", "/api/v1/subjects?q=a%00b", "/search?q=%00"])
def test_nul_characters_are_refused_clearly(client, db, url):
    r = client.get(url)
    assert r.status_code == 400 and r.json()["code"] == "invalid_characters"


def test_nul_in_json_body_is_refused(client, admin_user):
    r = client.post("/api/v1/tokens", '{"name": "a\\u0000", "username": "x"}', content_type="application/json", **_bearer(admin_user))
    assert r.status_code == 400
