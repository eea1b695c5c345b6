from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from chengxin.certs import publish, services
from chengxin.certs.models import SealMisuse

from .conftest import independent_verify

pytestmark = pytest.mark.django_db


def test_verification_page_shows_status_sites_and_cannot_be_framed(active, client):
    app, cert = active
    resp = client.get(f"/v/{cert.number}", HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "yunshan-ec.com" in body and app.subject.name in body and f"/s/{app.subject.pk}" in body
    assert resp["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in resp["Content-Security-Policy"]
    assert "misuse-warning" not in body
    assert not SealMisuse.objects.exists()


def test_a_seal_reached_from_a_foreign_site_warns_and_is_recorded(active, client):
    _app, cert = active
    for _ in range(2):
        resp = client.get(f"/v/{cert.number}", HTTP_REFERER="https://yunshan-ec.com.phish.cn/pay")
        assert 'id="misuse-warning"' in resp.content.decode()
    misuse = SealMisuse.objects.get()
    assert misuse.site == "yunshan-ec.com.phish.cn" and misuse.count == 2 and misuse.via == "referer"
    # the genuine site: confirmed, nothing recorded
    resp = client.get(f"/v/{cert.number}", HTTP_REFERER="https://www.yunshan-ec.com/")
    assert "misuse-warning" not in resp.content.decode()
    assert SealMisuse.objects.get().count == 2
    # no Referer, but the seal link names a site it does not belong to
    resp = client.get(f"/v/{cert.number}?site=copycat.example")
    assert "misuse-warning" in resp.content.decode()
    assert SealMisuse.objects.get(site="copycat.example").via == "site"


def test_staff_review_misuse(active, client, login, reviewer):
    _app, cert = active
    client.get(f"/v/{cert.number}", HTTP_REFERER="https://phish.example/")
    misuse = SealMisuse.objects.get()
    login(reviewer)
    assert "phish.example" in client.get("/staff/certificates/misuse").content.decode()
    client.post(f"/staff/certificates/misuse/{misuse.pk}", {"verdict": "phishing", "note": "reported to CNCERT"})
    misuse.refresh_from_db()
    assert misuse.verdict == "phishing" and misuse.reviewed_by == reviewer


def test_revoked_and_expired_pages_say_so_and_keep_the_record(active, client, reviewer, frozen_clock):
    app, cert = active
    services.revoke(actor=reviewer, cert=cert, reason="forged licence")
    body = client.get(f"/v/{cert.number}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "REVOKED" in body and "yunshan-ec.com" in body and app.subject.name in body


@pytest.mark.parametrize("number", ["CX2026", "<script>", "CX202600000000", "cx20260000000x"])
def test_bad_numbers_get_a_clear_page(db, client, number):
    resp = client.get(f"/v/{number}", HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 404
    body = resp.content.decode()
    assert 'id="unknown-certificate"' in body and "not genuine" in body and "<script>" not in body


def test_seal_and_status_list_files(active, client, reviewer, django_capture_on_commit_callbacks):
    _app, cert = active
    resp = client.get(f"/pub/seal/{cert.number}.svg")
    assert resp.status_code == 200 and resp["Content-Type"] == "image/svg+xml"
    svg = b"".join(resp.streaming_content).decode()
    assert "杭州云杉电子商务有限公司" in svg and cert.valid_until.date().isoformat() in svg and f"/v/{cert.number}" in svg
    with django_capture_on_commit_callbacks(execute=True):
        services.suspend(actor=reviewer, cert=cert, reason="investigation")
    svg = b"".join(client.get(f"/pub/seal/{cert.number}.svg").streaming_content).decode()
    assert "已暂停" in svg
    resp = client.get("/pub/status/revocation/1.jwt")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/vc+jwt"
    resp = client.get("/pub/seal/CX209900000000.svg")
    assert resp.status_code == 404 and "Unknown certificate" in resp.content.decode()
    assert client.get("/pub/../settings.py").status_code == 404


def test_jwt_download_and_api(active, client):
    _app, cert = active
    token = client.get(f"/v/{cert.number}.jwt").content.decode()
    assert token == cert.token
    data = client.get(f"/api/v1/certificates/{cert.number}").json()
    assert data["status"] == "active" and data["domains"] == ["yunshan-ec.com"] and data["credential_jwt"] == token
    ok = client.get(f"/api/v1/certificates/{cert.number}/verify", {"domain": "yunshan-ec.com"}).json()
    assert ok["valid"] is True and [c["check"] for c in ok["checks"]] == ["signature", "validity", "status", "domain"]
    bad = client.get(f"/api/v1/certificates/{cert.number}/verify", {"domain": "evil.cn"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert bad["valid"] is False and bad["failed_check"] == "domain" and "does not belong" in bad["message"]
    resp = client.get("/api/v1/certificates/nonsense/verify")
    assert resp.status_code == 404 and resp.json()["code"] == "malformed_certificate_number"
    listed = client.get(f"/api/v1/subjects/{cert.subject_id}/certificates").json()
    assert [c["number"] for c in listed] == [cert.number]


def test_api_status_changes_need_the_permission(active, client, login, member, reviewer):
    _app, cert = active
    url = f"/api/v1/certificates/{cert.number}/suspend"
    assert client.post(url, json.dumps({"reason": "x"}), content_type="application/json").status_code in (401, 403)
    login(member)
    assert client.post(url, json.dumps({"reason": "x"}), content_type="application/json").status_code == 403
    client.logout()
    login(reviewer)
    resp = client.post(url, json.dumps({"reason": "investigation"}), content_type="application/json")
    assert resp.status_code == 200 and resp.json()["status"] == "suspended"


def test_member_console_gives_the_embed_snippet(active, client, login):
    app, cert = active
    login(app.applicant)
    body = client.get("/me/certificates/").content.decode()
    assert f"https://chengxin.test/v/{cert.number}?site=yunshan-ec.com" in body
    assert f"https://chengxin.test/pub/seal/{cert.number}.svg" in body


def test_staff_pages_and_actions(active, client, login, reviewer):
    _app, cert = active
    login(reviewer)
    assert cert.number in client.get("/staff/certificates/").content.decode()
    client.post(f"/staff/certificates/{cert.number}/suspend", {"reason": "investigation"})
    cert.refresh_from_db()
    assert cert.status == "suspended"
    resp = client.post(f"/staff/certificates/{cert.number}/reissue", {"level": "red", "reason": "evaluation passed"})
    new = services.current_certificate(cert.subject)
    assert resp.url.endswith(new.number) and new.level_id == "red" and new.status == "suspended"


def test_cli_verify(active, tmp_path, capsys, reviewer):
    _app, cert = active
    good = tmp_path / "good.jwt"
    good.write_text(cert.token)
    call_command("cert", "verify", str(good), "--domain", "yunshan-ec.com")
    out = capsys.readouterr().out
    assert "VALID" in out and "INVALID" not in out
    bad = tmp_path / "bad.jwt"
    bad.write_text(cert.token[:-4] + ("AAAA" if not cert.token.endswith("AAAA") else "BBBB"))
    with pytest.raises(SystemExit) as exit_:
        call_command("cert", "verify", str(bad), "--json")
    assert exit_.value.code == 1
    result = json.loads(capsys.readouterr().out)
    assert result["failed_check"] == "signature"
    # the JWKS from a file, the status list from a file: fully offline
    jwks = tmp_path / "jwks.json"
    from chengxin.certs import keys

    jwks.write_text(json.dumps(keys.jwks()))
    services.revoke(actor=reviewer, cert=cert, reason="x")
    services.publish_pending()
    status_file = tmp_path / "rev.jwt"
    status_file.write_bytes(publish.read("status/revocation/1.jwt"))
    with pytest.raises(SystemExit):
        call_command("cert", "verify", cert.number, "--jwks", str(jwks), "--json",
                     "--status-list", f"https://chengxin.test/pub/status/revocation/1.jwt={status_file}")
    result = json.loads(capsys.readouterr().out)
    assert result["failed_check"] == "status"
    independent_verify(status_file.read_text(), json.loads(jwks.read_text()))


def test_cli_keys(db, capsys):
    call_command("keys", "list")
    first = capsys.readouterr().out.split()[0]
    call_command("keys", "rotate", "--reason", "test")
    call_command("keys", "list")
    out = capsys.readouterr().out
    assert first in out and "retired" in out and "signing" in out


def test_cached_page_follows_status_changes_and_gives_each_visitor_a_working_csrf_token(active, reviewer):
    from django.test import Client

    _app, cert = active
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    assert "misuse-warning" not in first.get(f"/v/{cert.number}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    page = second.get(f"/v/{cert.number}", HTTP_ACCEPT_LANGUAGE="en").content.decode()  # from the cache
    assert "Valid certificate" in page and "chengxin-csrf-sentinel" not in page
    import re

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    resp = second.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
    assert resp.status_code == 302  # the token fits this visitor's cookie
    services.suspend(actor=reviewer, cert=cert, reason="investigation")
    assert "SUSPENDED" in Client().get(f"/v/{cert.number}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # a copy still warns and is recorded, cached or not
    Client().get(f"/v/{cert.number}", HTTP_REFERER="https://copy.example/")
    assert SealMisuse.objects.get().site == "copy.example"
