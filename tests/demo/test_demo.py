from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from chengxin.accounts.models import SubjectAccess, User
from chengxin.core import pii
from chengxin.demo import generator, vocabulary
from chengxin.demo.loader import DEMO_ACCOUNTS, DEMO_NOTE, demo_needed, load_demo
from chengxin.ledger.services import verify_chain
from chengxin.registry import services as registry
from chengxin.registry.models import Industry, Region, Site, SiteCheck, Subject
from chengxin.registry.validators import validate_id_number, validate_uscc

DOCS = Path(__file__).resolve().parents[2] / "docs" / "demo-accounts.md"
MAINLAND_PROVINCES = 31


@pytest.fixture
def fast_hasher():
    # tests/settings.py already uses a test-sized Argon2.
    return None


@pytest.fixture
def demo(db, fast_hasher):
    assert demo_needed()
    summary = load_demo(subjects=120, seed=7)
    return summary


# --- the generator (no database) ----------------------------------------------


def test_generator_is_deterministic():
    a = generator.generate_subjects(200, seed=11)
    b = generator.generate_subjects(200, seed=11)
    c = generator.generate_subjects(200, seed=12)
    assert [s["name"] for s in a] == [s["name"] for s in b]
    assert a == b
    assert [s["name"] for s in a] != [s["name"] for s in c]


def test_default_demo_set_is_valid_and_varied():
    subjects = generator.generate_subjects()  # the default: 2,400, seed 2026
    assert len(subjects) == 2400
    kinds = Counter(s["kind"] for s in subjects)
    assert kinds == {"organisation": 1800, "individual": 360, "platform": 120,
                     "community_manager": 120}
    names = [s["name"] for s in subjects]
    assert len(set(names)) == len(names)
    codes = [s["uscc"] for s in subjects if s["uscc"]] + [
        s["id_number"] for s in subjects if s["id_number"]]
    assert len(set(codes)) == len(codes)
    for s in subjects:
        if s["uscc"]:
            assert validate_uscc(s["uscc"]) == s["uscc"]
            # provincial associations are registered with the province
            assert s["uscc"][2:8] in (s["city"], s["province"])
        if s["id_number"]:
            assert validate_id_number(s["id_number"]) == s["id_number"]
            assert s["id_number"][:6] == s["city"]
        assert re.fullmatch(r"1[3-9]\d{9}", s["contact_phone"])
        assert s["contact_email"].split("@")[1] in {"example.com", "example.net", "example.org"}
    assert len({s["province"] for s in subjects}) == MAINLAND_PROVINCES
    assert len({s["city"] for s in subjects}) > 250
    industries = {i["code"] for i in generator.load_industries()}
    assert {s["industry"] for s in subjects} == industries
    by_province = Counter(s["province"] for s in subjects)
    top = {code for code, _ in by_province.most_common(6)}
    assert {"440000", "330000", "320000"} <= top  # 广东, 浙江, 江苏
    sites = [site for s in subjects for site in s["sites"]]
    verified = sum(site["verify"] == "ok" for site in sites)
    assert 0.55 < verified / len(sites) < 0.65
    domains = [site["address"] for site in sites if site["kind"] == "domain"]
    assert len(set(domains)) == len(domains)


def test_generator_avoids_taken_names_and_codes():
    first = generator.generate_subjects(60, seed=3)
    names = {s["name"] for s in first}
    codes = {s["uscc"] for s in first if s["uscc"]} | {s["id_number"] for s in first if s["id_number"]}
    again = generator.generate_subjects(60, seed=3, taken_names=names, taken_codes=codes)
    assert not names & {s["name"] for s in again}
    assert not codes & ({s["uscc"] for s in again} | {s["id_number"] for s in again})


def test_city_short_names():
    assert vocabulary.short_city("杭州市") == "杭州"
    assert vocabulary.short_city("延边朝鲜族自治州") == "延边"
    assert vocabulary.short_city("黔东南苗族侗族自治州") == "黔东南"
    assert vocabulary.short_city("锡林郭勒盟") == "锡林郭勒"
    assert vocabulary.short_city("阿克苏地区") == "阿克苏"


# --- loading ------------------------------------------------------------------


@pytest.mark.django_db
def test_loaded_demo_is_consistent(demo):
    assert not demo_needed()
    subjects = list(Subject.objects.select_related("province", "city"))
    assert len(subjects) == demo["subjects"] == 120
    kinds = Counter(s.kind for s in subjects)
    assert 80 <= kinds["organisation"] <= 100
    assert 12 <= kinds["individual"] <= 24
    assert 3 <= kinds["platform"] <= 9
    assert 3 <= kinds["community_manager"] <= 9
    assert len({s.name for s in subjects}) == len(subjects)
    assert len({s.province_id for s in subjects}) == MAINLAND_PROVINCES
    assert {s.industry_id for s in subjects} == set(Industry.objects.values_list("code", flat=True))

    id_numbers = []
    for s in subjects:
        assert s.city is not None and s.city.parent_id == s.province_id
        assert s.province.level == "province" and s.city.level == "city"
        if s.uscc:
            assert validate_uscc(s.uscc) == s.uscc
            assert Region.objects.filter(code=s.uscc[2:8]).exists()
        else:
            assert s.is_natural_person
        if s.kind in ("organisation", "platform"):
            assert s.uscc and not s.id_number_enc
            assert s.uscc[1] == "1"
        if s.kind == "individual" and s.uscc:
            assert s.uscc[:2] == "92"
        if s.kind == "community_manager":
            assert s.id_number_enc and not s.uscc
        if s.id_number_enc:
            number = pii.decrypt(s.id_number_enc, context=registry.ID_CONTEXT)
            assert validate_id_number(number) == number
            assert s.id_number_masked == pii.mask_id_number(number)
            id_numbers.append(number)
        assert s.legal_representative and s.contact_name and s.address.startswith(
            s.province.name if s.province.name != s.city.name else s.city.name)
    assert len(set(id_numbers)) == len(id_numbers)

    sites = list(Site.objects.all())
    assert len(sites) == demo["sites"]
    verified = [site for site in sites if site.is_verified()]
    assert len(verified) == demo["verified_sites"]
    assert 0.4 < len(verified) / len(sites) < 0.8
    for site in verified:
        check = site.checks.get(success=True)
        assert check.method == ("page" if site.kind == "shop" else "dns")
        assert DEMO_NOTE in check.detail
    assert SiteCheck.objects.filter(success=False).count() == demo["failed_checks"]

    result = verify_chain()
    assert result.ok, result.problem
    assert result.checked >= len(subjects) + len(sites) + len(verified)

    # some subjects became members through the real services and hold certificates
    from chengxin.certs.models import Certificate
    from chengxin.certs.verify import local_verifier

    certs = list(Certificate.objects.select_related("subject"))
    assert 10 <= len(certs) == demo["members"]
    assert {c.status for c in certs} == {"active"} and all(c.domains or c.shops for c in certs)
    assert any(c.subject.subjectaccess_set.filter(user__username="member2").exists() for c in certs)
    assert not Subject.objects.filter(subjectaccess__user__username="member", certificates__isnull=False).exists()
    assert local_verifier().verify(certs[0].token).ok


@pytest.mark.django_db
def test_demo_accounts_can_log_in_and_members_act_for_subjects(demo, client):
    for acc in DEMO_ACCOUNTS:
        assert client.login(username=acc.username, password=acc.password), acc.username
        client.logout()
        assert User.objects.get(username=acc.username).role == acc.role
    for username in ("member", "member2"):
        linked = SubjectAccess.objects.filter(user__username=username)
        assert 1 <= linked.count() <= 3
    member_subjects = Subject.objects.filter(subjectaccess__user__username="member")
    assert {s.kind for s in member_subjects} == {"organisation"}
    states = {site.is_verified() for s in member_subjects for site in s.sites.filter(kind="domain")}
    assert states == {True, False}  # something verified, something left to verify
    assert not SubjectAccess.objects.exclude(user__username__in=["member", "member2", "demo-applicants"]).exists()
    by_user = {a["username"]: a for a in demo["accounts"]}
    assert all(a["created"] for a in by_user.values())
    assert len(by_user["member"]["subjects"]) == 2


@pytest.mark.django_db
def test_demo_command(fast_hasher):
    out = io.StringIO()
    call_command("demo", subjects=50, stdout=out)
    text = out.getvalue()
    assert Subject.objects.count() == 50
    assert "100% (50/50)" in text
    for acc in DEMO_ACCOUNTS:
        assert acc.username in text and acc.password in text

    out = io.StringIO()
    call_command("demo", subjects=50, stdout=out)  # data exists: refused
    assert "--force" in out.getvalue()
    assert Subject.objects.count() == 50

    out = io.StringIO()
    call_command("demo", subjects=30, force=True, stdout=out)  # same seed: no clashes
    assert Subject.objects.count() == 80
    assert len(set(Subject.objects.values_list("name", flat=True))) == 80
    assert "already existed" in out.getvalue()
    assert verify_chain().ok


def test_docs_list_the_demo_accounts():
    text = DOCS.read_text("utf-8")
    for acc in DEMO_ACCOUNTS:
        assert re.search(rf"\|\s*`{acc.username}`\s*\|\s*`{re.escape(acc.password)}`\s*\|", text), acc


def test_demo_complaints_reach_every_kind_of_outcome(demo):
    from chengxin.complaints.models import Complaint

    assert demo["complaints"] == Complaint.objects.count() == 150
    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert {"resolved", "resolved_mediation", "unanswered", "invalid", "answered_unconfirmed"} <= statuses
    member = User.objects.get(username="member")
    assert Complaint.objects.filter(subject__in=member.subjects.all()).exists()


def test_demo_has_graded_subjects_and_a_ranking(demo):
    from chengxin.credit.models import CreditRecord, Grade

    assert demo["credit_records"] > 0 and demo["graded"] == Grade.objects.exclude(grade="").count() > 10
    kinds = set(CreditRecord.objects.values_list("kind", flat=True))
    assert {"award", "identity.verified", "site.verified", "membership.held", "certificate.issued",
            "complaint.resolved", "complaint.unanswered", "blacklist.entry"} <= kinds
    assert len(set(Grade.objects.exclude(grade="").values_list("grade", flat=True))) >= 3
    assert Grade.objects.filter(tenure_days__gt=365).exists()  # registered over the past years
