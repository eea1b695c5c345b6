from __future__ import annotations

import pytest

from chengxin.ledger.models import AuditEntry

from ..factories import make_id_number, make_subject

pytestmark = pytest.mark.django_db


def test_search_page_and_integrity_file(client, admin_user):
    s = make_subject(admin_user, name="杭州云杉电子商务有限公司")
    r = client.get("/search", {"q": "云杉"})
    assert r.status_code == 200 and s.name in r.content.decode()
    r = client.get(f"/s/{s.pk}")
    assert r.status_code == 200
    page = r.content.decode()
    assert s.uscc in page and 'lang="zh-hans"' in page


def test_search_results_link_each_file_with_code_region_and_industry_in_the_viewers_language(client, admin_user):
    from chengxin.registry.models import Industry, Region

    a = make_subject(admin_user, name="杭州云杉\"电子\"&商务有限公司")
    b = make_subject(admin_user, kind="individual", uscc="", id_number=make_id_number(), name="云杉水果店", city="")
    beijing, industry = Region.objects.get(code="110000"), Industry.objects.get(code="F5292")
    page = client.get("/search", {"q": "云杉"}).content.decode()
    assert f'<a href="/s/{a.pk}">杭州云杉&quot;电子&quot;&amp;商务有限公司</a>' in page  # escaped
    assert f"{a.uscc} · {beijing.name} · 北京市 · {industry.name}</div>" in page
    assert f'<a href="/s/{b.pk}">云杉水果店</a>' in page and f"<div class=\"meta\">{beijing.name} · {industry.name}</div>" in page
    english = client.get("/search", {"q": "云杉"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{a.uscc} · {beijing.name_en} · " in english and industry.name_en in english
    assert "No subject matches" in client.get("/search", {"q": "麒麟饕餮"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_english_switch(client, admin_user):
    s = make_subject(admin_user)
    r = client.post("/i18n/setlang/", {"language": "en", "next": f"/s/{s.pk}"})
    assert r.status_code == 302
    assert 'lang="en"' in client.get(f"/s/{s.pk}").content.decode()


def test_unknown_subject_is_a_404_page(client, db):
    assert client.get("/s/999999").status_code == 404


def test_public_page_hides_natural_person_data_staff_page_masks_and_audits(client, admin_user, reviewer, login):
    number = make_id_number()
    s = make_subject(admin_user, kind="individual", uscc="", id_number=number, name="李四水果店",
                     legal_representative="李四", contact_phone="13700001111")
    public = client.get(f"/s/{s.pk}").content.decode()
    assert number not in public and "13700001111" not in public and "李四</dd>" not in public
    c = login(reviewer)
    staff = c.get(f"/staff/subjects/{s.pk}").content.decode()
    assert number not in staff and number[:3] + "*" * 11 + number[-4:] in staff
    before = AuditEntry.objects.filter(action="subject.pii_view").count()
    revealed = c.post(f"/staff/subjects/{s.pk}/reveal", {"reason": "checking"}).content.decode()
    assert number in revealed
    assert AuditEntry.objects.filter(action="subject.pii_view").count() == before + 1


@pytest.mark.parametrize("role", ["consumer", "member"])
def test_staff_pages_are_closed_to_others(client, login, role, request, admin_user):
    s = make_subject(admin_user)
    c = login(request.getfixturevalue(role))
    assert c.get(f"/staff/subjects/{s.pk}").status_code == 403
    assert c.post(f"/staff/subjects/{s.pk}/reveal").status_code == 403


def test_anonymous_is_sent_to_login(client, admin_user):
    s = make_subject(admin_user)
    r = client.get(f"/staff/subjects/{s.pk}")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_staff_edit_form_shows_field_errors_and_changes_nothing(login, reviewer, admin_user):
    s = make_subject(admin_user)
    c = login(reviewer)
    r = c.post(f"/staff/subjects/{s.pk}/edit", {"kind": "organisation", "name": "<b>x</b>", "uscc": s.uscc, "province": "110000", "reason": "r"})
    assert r.status_code == 200
    s.refresh_from_db()
    assert s.name != "<b>x</b>"
    assert "&lt;b&gt;" not in r.content.decode().split("errorlist")[0][-10:]  # rendered escaped if echoed


def test_staff_can_register_and_edit_with_history(login, reviewer):
    from ..factories import make_uscc

    c = login(reviewer)
    code = make_uscc()
    r = c.post("/staff/subjects/new", {"kind": "organisation", "name": "苏州工业园区星河科技有限公司", "uscc": code, "province": "320000", "city": "320500", "reason": "application"})
    assert r.status_code == 302
    detail = c.get(r["Location"]).content.decode()
    assert "subject.create" in detail and code in detail


def test_member_console_and_site_verification_flow(client, login, admin_user, member):
    from chengxin.accounts.services import grant_subject_access

    s = make_subject(admin_user)
    grant_subject_access(actor=admin_user, user=member, subject=s)
    c = login(member)
    r = c.post(f"/subjects/{s.pk}/sites", {"kind": "domain", "address": "yunshan-demo.cn"})
    assert r.status_code == 302
    page = c.get("/me/subjects").content.decode()
    assert "_chengxin.yunshan-demo.cn" in page


def test_staff_list_shows_the_registry_without_a_filter(login, reviewer, admin_user):
    s = make_subject(admin_user, name="温州鹿城皮鞋有限公司")
    page = login(reviewer).get("/staff/subjects/").content.decode()
    assert s.name in page
