from __future__ import annotations

import http.server
import threading

import pytest

from chengxin.core.errors import Conflict, PermissionDenied, ValidationFailed
from chengxin.ledger.models import AuditEntry
from chengxin.registry import ownership, services
from chengxin.registry.models import Subject

from ..factories import make_id_number, make_subject, make_uscc

pytestmark = pytest.mark.django_db


def _data(**kw):
    data = {"kind": "organisation", "name": "杭州云杉电子商务有限公司", "uscc": make_uscc(),
            "province": "330000", "city": "330100", "industry": "F5292"}
    data.update(kw)
    return data


def _unchanged(fn):
    subjects, audits = Subject.objects.count(), AuditEntry.objects.count()
    with pytest.raises((ValidationFailed, Conflict)) as err:
        fn()
    assert Subject.objects.count() == subjects and AuditEntry.objects.count() == audits
    return err.value


def test_duplicate_code_is_refused_with_a_pointer(admin_user):
    first = services.create_subject(actor=admin_user, data=_data())
    err = _unchanged(lambda: services.create_subject(actor=admin_user, data=_data(uscc=first.uscc.lower(), name="别的公司")))
    assert err.code == "duplicate_uscc" and err.field == "uscc"
    assert err.details["existing_id"] == first.pk
    assert str(first.pk) in str(err.message)


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"name": "<script>alert(1)</script>有限公司"}, "name", "unsafe_text"),
        ({"name": ""}, "name", "required"),
        ({"uscc": "91350100M000100Y44"}, "uscc", "invalid_uscc"),
        ({"uscc": ""}, "uscc", "required"),
        ({"province": "999999"}, "province", "unknown_region"),
        ({"city": "440300"}, "city", "region_mismatch"),
        ({"city": "123456"}, "city", "unknown_region"),
        ({"industry": "ZZZ"}, "industry", "unknown_industry"),
        ({"contact_email": "not-an-email"}, "contact_email", "invalid_email"),
        ({"kind": "alien"}, "kind", "invalid_choice"),
        ({"id_number": make_id_number()}, "id_number", "not_applicable"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(admin_user, overrides, field, code):
    err = _unchanged(lambda: services.create_subject(actor=admin_user, data=_data(**overrides)))
    fields = {(e["field"], e["code"]) for e in err.errors}
    assert (field, code) in fields


def test_natural_person_identity_number_is_encrypted_and_masked(admin_user, reviewer):
    number = make_id_number()
    subject = services.create_subject(actor=admin_user, data=_data(kind="individual", uscc="", id_number=number, name="李四水果店"))
    subject.refresh_from_db()
    assert number not in subject.id_number_enc
    assert subject.id_number_masked == number[:3] + "*" * 11 + number[-4:]
    before = AuditEntry.objects.count()
    assert services.reveal_id_number(actor=reviewer, subject=subject) == number
    entry = AuditEntry.objects.order_by("-seq").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry.action == "subject.pii_view" and entry.actor == reviewer


def test_mediators_cannot_reveal_identity_numbers(admin_user, mediator):
    subject = services.create_subject(actor=admin_user, data=_data(kind="individual", uscc="", id_number=make_id_number(), name="王五小吃店"))
    with pytest.raises(PermissionDenied):
        services.reveal_id_number(actor=mediator, subject=subject)


def test_members_cannot_edit_the_registry(member, subject):
    with pytest.raises(PermissionDenied):
        services.update_subject(actor=member, subject=subject, data={"name": "x"}, reason="y")


def test_departed_subjects_are_kept_two_years(admin_user, subject):
    services.mark_departed(actor=admin_user, subject=subject, reason="left the association")
    subject.refresh_from_db()
    assert subject.status == "departed"
    assert (subject.retain_until - subject.departed_at.date()).days >= 730


def test_search_by_partial_name_code_and_domain(admin_user):
    a = services.create_subject(actor=admin_user, data=_data(name="杭州云杉电子商务有限公司"))
    b = services.create_subject(actor=admin_user, data=_data(name="宁波云杉贸易有限公司", city="330200"))
    c = services.create_subject(actor=admin_user, data=_data(name="上海新华书店"))
    services.add_site(actor=admin_user, subject=c, kind="domain", address="https://www.XinHua-Books.cn/path")
    assert set(services.search_subjects(q="云杉")) == {a, b}
    assert list(services.search_subjects(q=a.uscc)) == [a]
    assert list(services.search_subjects(q="xinhua-books")) == [c]
    assert list(services.search_subjects(q="ｘｉｎｈｕａ")) == [c]  # full-width input
    assert list(services.search_subjects(q="云杉", province="330000", city="330100")) == [a]


# --- site ownership ---------------------------------------------------------

class _TokenServer(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}

    def do_GET(self):  # noqa: N802
        body = self.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        if body is not None:
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_web(settings):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TokenServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CHENGXIN_HTTP_FETCHER = "chengxin.registry.ownership.LoopbackFetcher"
    ownership.LoopbackFetcher.address = server.server_address
    ownership._load.cache_clear()
    _TokenServer.files = {}
    yield _TokenServer.files
    server.shutdown()
    ownership._load.cache_clear()


def test_ownership_by_well_known_file_on_a_real_http_server(admin_user, subject, loopback_web):
    site = services.add_site(actor=admin_user, subject=subject, kind="domain", address="shop.example.cn")
    check = services.verify_site(actor=admin_user, site=site, method="http")
    assert not check.success and "404" in check.detail
    site.refresh_from_db()
    assert not site.is_verified()
    loopback_web[f"/.well-known/chengxin/{site.token}"] = site.token.encode()
    check = services.verify_site(actor=admin_user, site=site, method="http")
    assert check.success
    site.refresh_from_db()
    assert site.is_verified() and site.verified_method == "http"
    assert 364 <= (site.verified_until - site.verified_at).days <= 366
    assert AuditEntry.objects.filter(action="site.verify", object_id=str(site.pk)).exists()


def test_wrong_token_content_fails(admin_user, subject, loopback_web):
    site = services.add_site(actor=admin_user, subject=subject, kind="domain", address="shop.example.cn")
    loopback_web[f"/.well-known/chengxin/{site.token}"] = b"something else"
    assert not services.verify_site(actor=admin_user, site=site, method="http").success


def test_shop_page_verification(admin_user, subject, loopback_web):
    site = services.add_site(actor=admin_user, subject=subject, kind="shop", address="https://shop123.taobao.com/index.htm", platform="淘宝")
    loopback_web["/index.htm"] = f"<html>店铺公告 chengxin-verification={site.token}</html>".encode()
    assert services.verify_site(actor=admin_user, site=site, method="page").success


def test_ownership_by_dns_txt(admin_user, subject, settings):
    settings.CHENGXIN_DNS_RESOLVER = "chengxin.registry.ownership.StaticDnsResolver"
    ownership._load.cache_clear()
    site = services.add_site(actor=admin_user, subject=subject, kind="domain", address="yunshan.example.com")
    ownership.StaticDnsResolver.records = {f"_chengxin.{site.domain}": [site.token]}
    try:
        # a bare token is not the documented record and does not count
        assert not services.verify_site(actor=admin_user, site=site, method="dns").success
        ownership.StaticDnsResolver.records = {f"_chengxin.{site.domain}": [f"chengxin-verification={site.token}"]}
        assert services.verify_site(actor=admin_user, site=site, method="dns").success
    finally:
        ownership.StaticDnsResolver.records = {}
        ownership._load.cache_clear()


def test_verification_expires_after_a_year(admin_user, subject, frozen_clock, settings):
    from chengxin.registry.sweeps import expire_site_verifications

    settings.CHENGXIN_DNS_RESOLVER = "chengxin.registry.ownership.StaticDnsResolver"
    ownership._load.cache_clear()
    site = services.add_site(actor=admin_user, subject=subject, kind="domain", address="yunshan.example.com")
    ownership.StaticDnsResolver.records = {f"_chengxin.{site.domain}": [f"chengxin-verification={site.token}"]}
    try:
        services.verify_site(actor=admin_user, site=site, method="dns")
    finally:
        ownership.StaticDnsResolver.records = {}
        ownership._load.cache_clear()
    site.refresh_from_db()
    assert site.is_verified()
    frozen_clock.advance(days=366)
    assert not site.is_verified()
    assert expire_site_verifications() == 1
    assert expire_site_verifications() == 0  # idempotent


def test_member_manages_only_its_own_subjects(admin_user, member, subject):
    from chengxin.accounts.services import grant_subject_access

    other = make_subject(admin_user)
    grant_subject_access(actor=admin_user, user=member, subject=subject)
    services.add_site(actor=member, subject=subject, kind="domain", address="mine.example.cn")
    with pytest.raises(PermissionDenied):
        services.add_site(actor=member, subject=other, kind="domain", address="theirs.example.cn")


def test_bad_domain_is_refused(admin_user, subject):
    with pytest.raises(ValidationFailed) as err:
        services.add_site(actor=admin_user, subject=subject, kind="domain", address="not a domain")
    assert err.value.field == "address"
