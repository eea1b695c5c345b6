"""The complaints API end to end, and cross-party access for every endpoint."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chengxin.accounts.services import create_token
from chengxin.complaints import filing as complaint_filing
from chengxin.complaints import queries, services
from chengxin.complaints.models import Complaint, Status
from chengxin.core.permissions import Role
from tests.factories import make_user

from .conftest import PNG, filing

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(admin_user: Any) -> Any:
    def _auth(user: Any) -> dict[str, str]:
        _t, raw = create_token(actor=admin_user, user=user, name="t")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    return _auth


def post(client: Any, url: str, headers: dict[str, str], body: Any = None, **extra: Any) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json", **headers, **extra)


def test_file_follow_answer_accept(client: Any, auth: Any, shop: Any, complainant: Any, merchant: Any) -> None:
    h = auth(complainant)
    r = post(client, "/api/v1/complaints", h, filing(shop), HTTP_IDEMPOTENCY_KEY="abc")
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    again = post(client, "/api/v1/complaints", h, filing(shop), HTTP_IDEMPOTENCY_KEY="abc")
    assert again.status_code == 200 and again.json()["number"] == number
    r = client.post(f"/api/v1/complaints/{number}/evidence", {"file": _png()}, **h)
    assert r.status_code == 201 and r.json()["content_type"] == "image/png"
    m = auth(merchant)
    seen = client.get(f"/api/v1/complaints/{number}", **m).json()
    assert seen["consumer"]["name"].startswith("欧") and "*" in seen["consumer"]["name"]
    assert "answer" in seen["allowed_actions"] and complainant.phone not in json.dumps(seen, ensure_ascii=False)
    r = post(client, f"/api/v1/complaints/{number}/answer", m, {"text": "已安排退款，三个工作日内到账。"})
    assert r.status_code == 200 and r.json()["status"] == "answered"
    r = post(client, f"/api/v1/complaints/{number}/accept", h)
    assert r.status_code == 200 and r.json()["status"] == "resolved" and "survey" in r.json()["allowed_actions"]
    r = post(client, f"/api/v1/complaints/{number}/survey", h, {"rating": 5, "handled_well": True})
    assert r.status_code == 200
    assert client.get("/api/v1/me/complaints", **h).json()["count"] == 1
    assert client.get("/api/v1/me/received-complaints", **m).json()["items"][0]["number"] == number


def _png() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("photo.png", PNG, content_type="image/png")


def test_bad_input_is_specific_and_changes_nothing(client: Any, auth: Any, shop: Any, complainant: Any) -> None:
    h = auth(complainant)
    r = post(client, "/api/v1/complaints", h, filing(shop, subject=424242))
    assert r.status_code == 422 and r.json()["field"] == "subject"
    r = post(client, "/api/v1/complaints", h, filing(shop, title="<b>bold</b> title"))
    assert r.status_code == 422 and r.json()["code"] == "unsafe_text"
    r = post(client, "/api/v1/complaints", h, {"subject": shop.pk})
    assert r.status_code == 422
    assert Complaint.objects.count() == 0
    number = post(client, "/api/v1/complaints", h, filing(shop)).json()["number"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    exe = SimpleUploadedFile("cat.jpg", b"MZ\x90\x00\x03" + b"\x00" * 200, content_type="image/jpeg")
    r = client.post(f"/api/v1/complaints/{number}/evidence", {"file": exe}, **h)
    assert r.status_code == 422 and r.json()["field"] == "file"
    assert Complaint.objects.get(number=number).evidence.count() == 0


# Every endpoint, every party that must be refused. (method, path, body, who may not)
def _endpoints(number: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("get", f"/api/v1/complaints/{number}", {}),
        ("post", f"/api/v1/complaints/{number}/answer", {"text": "这是一个回复内容"}),
        ("post", f"/api/v1/complaints/{number}/accept", {}),
        ("post", f"/api/v1/complaints/{number}/dispute", {"text": "不满意这个回复"}),
        ("post", f"/api/v1/complaints/{number}/withdraw", {"text": ""}),
        ("post", f"/api/v1/complaints/{number}/survey", {"rating": 1, "handled_well": False}),
        ("post", f"/api/v1/complaints/{number}/messages", {"text": "你好"}),
        ("post", f"/api/v1/complaints/{number}/flag", {"text": "这是恶意投诉，订单不存在"}),
        ("post", f"/api/v1/complaints/{number}/settlement/agree", {}),
        ("post", f"/api/v1/complaints/{number}/confirm", {"text": ""}),
        ("post", f"/api/v1/complaints/{number}/invalidate", {"reason": "spam", "note": "垃圾信息内容"}),
        ("post", f"/api/v1/complaints/{number}/deadline", {"due": "2030-01-01T00:00:00+08:00", "reason": "延期处理"}),
        ("post", f"/api/v1/complaints/{number}/urge", {"message": ""}),
        ("post", f"/api/v1/complaints/{number}/close-unresolved", {"text": "无法调解成功"}),
        ("post", f"/api/v1/complaints/{number}/mediation/start", {}),
        ("post", f"/api/v1/complaints/{number}/mediation/propose", {"text": "退款一百元整"}),
        ("post", f"/api/v1/complaints/{number}/mediation/settle", {"text": "退款一百元整"}),
        ("post", f"/api/v1/complaints/{number}/mediation/fail", {"text": "双方无法达成一致"}),
    ]


def test_cross_party_access_refused_on_every_endpoint(client: Any, auth: Any, file_one: Any, complainant: Any, merchant: Any) -> None:
    c = file_one()
    before = (Complaint.objects.get(pk=c.pk).status, c.events.count(), c.flags.count())
    strangers = {
        "other consumer": auth(make_user(Role.CONSUMER)),
        "other merchant": auth(make_user(Role.MEMBER)),
        "anonymous": {},
    }
    for who, headers in strangers.items():
        for method, path, body in _endpoints(c.number):
            r = client.get(path, **headers) if method == "get" else post(client, path, headers, body)
            assert r.status_code in (401, 403, 404), f"{who} {method} {path}: {r.status_code} {r.content[:200]!r}"
    # Parties may not take the other party's or staff's actions.
    for user, paths in ((complainant, ["answer", "flag", "confirm", "invalidate", "urge", "mediation/start"]),
                        (merchant, ["accept", "dispute", "withdraw", "survey", "confirm", "invalidate", "deadline", "mediation/start"])):
        headers = auth(user)
        for method, path, body in _endpoints(c.number):
            if method == "post" and path.split(f"{c.number}/")[1] in paths:
                r = post(client, path, headers, body)
                assert r.status_code == 403, f"{user.role} {path}: {r.status_code} {r.content[:200]!r}"
    c.refresh_from_db()
    assert (c.status, c.events.count(), c.flags.count()) == before
    r = client.get("/api/v1/complaints-queue", **auth(make_user(Role.MEMBER)))
    assert r.status_code == 403


def test_evidence_download_only_for_parties(client: Any, login: Any, shop: Any, complainant: Any, merchant: Any) -> None:
    c, _ = complaint_filing.file_complaint(actor=complainant, data=filing(shop), files=[("photo.png", PNG)])
    ev = c.evidence.get()
    login(make_user(Role.CONSUMER))
    assert client.get(f"/complaints/evidence/{ev.pk}").status_code == 404
    client.logout()
    login(merchant)
    r = client.get(f"/complaints/evidence/{ev.pk}")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PNG


def test_public_api_filters_personal_data(client: Any, file_one: Any, reviewer: Any, merchant: Any, complainant: Any, shop: Any) -> None:
    c = file_one()
    hidden = file_one(public_consent=False)
    services.confirm(actor=reviewer, c=c)
    services.confirm(actor=reviewer, c=hidden)
    services.answer(actor=merchant, c=c, text=f"已致电{complainant.phone}联系{complainant.display_name}，订单 {c.order_ref} 已退款。")
    r = client.get(f"/api/v1/subjects/{shop.pk}/complaints")
    body = r.content.decode()
    assert r.status_code == 200 and r.json()["count"] == 1
    assert "已退款" in body and complainant.phone not in body and c.order_ref not in body
    assert client.get(f"/api/v1/public/complaints/{hidden.number}").status_code == 404
    export = client.get(f"/s/{shop.pk}/complaints.csv").content.decode()
    assert c.number in export and hidden.number not in export and "已退款" in export and complainant.phone not in export
    page = client.get(f"/complaints/{c.number}")
    assert page.status_code == 200 and "已退款" in page.content.decode()
    rep = client.get(f"/api/v1/subjects/{shop.pk}/reputation").json()
    assert rep["received"] == 2 and rep["response_rate"] == 1.0  # the other is not due yet
    assert client.get(f"/s/{shop.pk}").status_code == 200


def test_public_for_three_years_after_closure(file_one: Any, reviewer: Any, merchant: Any, complainant: Any, frozen_clock: Any) -> None:
    import datetime as dt

    c = file_one()
    services.confirm(actor=reviewer, c=c)
    services.answer(actor=merchant, c=c, text="已经处理完毕。")
    services.accept(actor=complainant, c=c)
    c.refresh_from_db()
    assert queries.is_public(c)
    frozen_clock.set(c.closed_at + dt.timedelta(days=365 * 3 + 1))
    assert not queries.is_public(c)
    assert not queries.public_complaints().filter(pk=c.pk).exists()
    assert c.status == Status.RESOLVED


def test_the_leak_guard_catches_a_leak(rf: Any, complainant: Any, merchant: Any) -> None:
    """The guard that scans every response of the suite does fail on a leak."""
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse

    from tests.pii_guard import VIOLATIONS, PiiGuardMiddleware

    for viewer in (AnonymousUser(), merchant):
        request = rf.get("/somewhere")
        request.user = viewer
        PiiGuardMiddleware(lambda r: HttpResponse(f"<p>{complainant.phone}</p>"))(request)
    request = rf.get("/somewhere")
    request.user = complainant
    PiiGuardMiddleware(lambda r: HttpResponse(f"<p>{complainant.phone}</p>"))(request)  # own data: fine
    leaked = list(VIOLATIONS)
    VIOLATIONS.clear()
    assert len(leaked) == 2 and complainant.phone in leaked[0]
