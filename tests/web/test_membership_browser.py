"""A membership application end to end in a real browser (Debian's Chromium
through Playwright) against the live server: the applicant files it with an
uploaded business licence, a reviewer approves it, an administrator records
the fee, and the public integrity file then shows an active membership.

Status labels are compared with the label of the status in the page's
language (zh-hans here), never with a hard-coded translation."""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone, translation
from playwright.sync_api import expect

from chengxin.accounts.services import grant_subject_access
from chengxin.core.permissions import Role
from chengxin.membership.models import Application, Payment, Status
from chengxin.registry import ownership
from chengxin.registry import services as registry
from tests.factories import PASSWORD, make_subject, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
NAME = "杭州云杉电子商务有限公司"
DOMAIN = "yunshan-ec.com"

# A transactional test's flush empties every table, and the package conftest
# reloads only the registry's reference data: put the applicant types and
# levels (a data migration) back before using them.
_types_levels = importlib.import_module("chengxin.membership.migrations.0002_load_types_levels")


def _label(status: Status, language: str = "zh-hans") -> str:
    with translation.override(language):
        return str(status.label)


def _log_in(page: Any, user: Any, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form [type=submit]").click()
    expect(page).to_have_url(re.compile(rf"^[a-z]+://[^/]+{re.escape(next_url)}$"))  # not the log-in page


def _no_errors(page: Any) -> None:
    expect(page.locator("ul.messages li.error")).to_have_count(0)


@pytest.fixture
def applicant(settings: Any) -> tuple[Any, Any, Any]:
    """A member account acting for a subject with one site proven by DNS
    (the static resolver: no network), all committed before the browser starts."""
    # Argon2 is deliberately slow; the log-in flow is what is tested here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _types_levels.load(apps, None)
    settings.CHENGXIN_DNS_RESOLVER = "chengxin.registry.ownership.StaticDnsResolver"
    ownership._load.cache_clear()
    try:
        admin = make_user(Role.ADMIN)
        user = make_user(Role.MEMBER)
        subject = make_subject(admin, name=NAME)
        grant_subject_access(actor=admin, user=user, subject=subject)
        site = registry.add_site(actor=admin, subject=subject, kind="domain", address=DOMAIN)
        ownership.StaticDnsResolver.records = {f"_chengxin.{site.domain}": [f"chengxin-verification={site.token}"]}
        try:
            registry.verify_site(actor=admin, site=site, method="dns")
        finally:
            ownership.StaticDnsResolver.records = {}
    finally:
        ownership._load.cache_clear()
    site.refresh_from_db()
    assert site.is_verified()
    return user, subject, site


def test_apply_approve_pay_and_the_file_shows_the_membership(
    new_context: Any, applicant: tuple[Any, Any, Any], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    user, subject, site = applicant
    reviewer = make_user(Role.REVIEWER)
    admin = make_user(Role.ADMIN)
    licence = tmp_path / "licence.pdf"
    licence.write_bytes(PDF)

    # --- the applicant files the application --------------------------------
    page = new_context().new_page()
    _log_in(page, user, "/me/applications/")
    page.locator(f"form[action$='/me/applications/new']:has(input[name=subject][value='{subject.pk}']) "
                 "button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/me/applications/\d+$"))
    _no_errors(page)
    app = Application.objects.get(subject=subject)
    assert page.url.endswith(f"/me/applications/{app.pk}")
    expect(page.locator("#status")).to_have_text(_label(Status.DRAFT))

    page.locator("#upload-form #kind").select_option("licence")
    page.set_input_files("#file", str(licence))
    page.locator("#upload-form button[name=op][value=upload]").click()
    expect(page.locator("ul.messages li.success")).to_have_count(1)
    _no_errors(page)
    expect(page.get_by_role("link", name="licence.pdf")).to_be_visible()
    doc = app.documents.get()
    assert (doc.kind, doc.original_name, doc.size, doc.content_type) == ("licence", "licence.pdf", len(PDF), "application/pdf")

    form = page.locator("#application-form")
    form.locator("#applicant_type").select_option("b2c")
    form.locator("#level").select_option("member")
    form.locator(f"input[name=sites][value='{site.pk}']").check()
    form.locator("#contact_name").fill("李娜")
    form.locator("#contact_phone").fill("13800138000")
    form.locator("#contact_email").fill("lina@example.com")
    form.locator("#size_band").select_option("small")
    form.locator("#declaration").check()
    form.locator("#submit").click()
    expect(page.locator("#status")).to_have_text(_label(Status.SUBMITTED))
    _no_errors(page)
    expect(page.locator(".errorlist")).to_have_count(0)
    expect(page.locator("#application-form")).to_have_count(0)  # no longer editable
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED
    assert (app.applicant_type_id, app.level_id, app.size_band) == ("b2c", "member", "small")
    assert list(app.sites.values_list("pk", flat=True)) == [site.pk]
    assert app.declaration_accepted_at is not None and app.review_due_at is not None

    # --- a reviewer approves it ------------------------------------------------
    staff = new_context().new_page()
    _log_in(staff, reviewer, "/staff/applications/")
    staff.locator(f"#queue a[href$='/staff/applications/{app.pk}']").click()
    expect(staff).to_have_url(re.compile(rf"/staff/applications/{app.pk}$"))
    expect(staff.locator("#status")).to_have_text(_label(Status.SUBMITTED))
    expect(staff.locator("#payment-form")).to_have_count(0)  # a reviewer may not record fees
    expect(staff.locator("#start-review")).to_be_visible()
    staff.locator("#approve").click()
    expect(staff.locator("#status")).to_have_text(_label(Status.APPROVED))
    _no_errors(staff)
    app.refresh_from_db()
    assert app.status == Status.APPROVED and app.reviewer_id == reviewer.pk
    assert app.fee_amount is not None and app.fee_amount > 0

    # --- an administrator records the fee ----------------------------------------
    office = new_context().new_page()
    staff_url = f"/staff/applications/{app.pk}"
    _log_in(office, admin, staff_url)
    expect(office.locator("#amount")).to_have_value(str(app.fee_amount))  # prefilled with the fee
    office.locator("#method").select_option("bank")
    office.locator("#reference").fill("TX-2026-0001")
    office.locator("#receipt_number").fill("R-0001")
    office.locator("#record-payment").click()
    expect(office.locator("#status")).to_have_text(_label(Status.ACTIVE))
    _no_errors(office)
    app.refresh_from_db()
    assert app.status == Status.ACTIVE and app.starts_at is not None and app.ends_at is not None
    payment = app.payments.get()
    assert (payment.amount, payment.method, payment.reference, payment.receipt_number, payment.recorded_by_id) == (
        app.fee_amount, Payment.Method.BANK, "TX-2026-0001", "R-0001", admin.pk)

    # --- anyone sees the membership on the integrity file --------------------------
    public = new_context().new_page()
    public.goto(f"/s/{subject.pk}")
    expect(public.locator("main h1")).to_have_text(NAME)
    membership = public.locator("#membership")
    ends = timezone.localtime(app.ends_at).strftime("%Y-%m-%d")  # the page shows dates in TIME_ZONE
    starts = timezone.localtime(app.starts_at).strftime("%Y-%m-%d")
    expect(membership).to_contain_text(ends)
    expect(membership).to_contain_text(starts)
    expect(membership.locator(".badge.ok")).to_have_text(_label(Status.ACTIVE))
