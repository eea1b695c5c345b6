"""The credit grade in a real browser: from the integrity file to the
factor-by-factor explanation, in English and on a phone; a reviewer enters
a record and the grade follows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from chengxin.core.permissions import Role
from chengxin.credit import grading, services
from tests.factories import PASSWORD, make_subject, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def graded() -> Any:
    s = make_subject(name="杭州云杉电子商务有限公司")
    today = services.today()
    services.add_record(subject=s, kind_code="identity.verified", occurred_on=today, summary="营业执照与身份信息经秘书处审核",
                        summary_en="Licence and identity checked by the secretariat", evidence="application #1")
    services.add_record(subject=s, kind_code="complaint.unanswered", tag="none", occurred_on=today,
                        summary="投诉（商品质量）：投诉未回应", summary_en="Complaint (quality): unanswered", evidence="TS1")
    grading.run_pending()
    return s


def test_grade_explained_from_the_integrity_file(page: Any, live_server: Any, graded: Any) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"/s/{graded.pk}")
    grade = services.subject_result(graded).grade
    expect(page.locator("#credit-grade #grade")).to_have_text(grade)
    page.locator("#credit-link").click()
    expect(page).to_have_url(re.compile(rf"/s/{graded.pk}/credit$"))
    expect(page.locator("#factor-unanswered")).to_contain_text("unanswered complaints in the last 12 months: 1")
    expect(page.locator("#factor-unanswered td.num")).to_have_text("-4.0")
    expect(page.locator("#records")).to_contain_text("Complaint (quality): unanswered")
    expect(page.locator("#records")).not_to_contain_text("TS1")  # evidence is not public


def test_reviewer_enters_an_award_and_the_grade_follows(page: Any, live_server: Any, graded: Any) -> None:
    reviewer = make_user(Role.REVIEWER)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"/accounts/login/?next=/s/{graded.pk}/credit")
    page.locator("#id_username").fill(reviewer.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form [type=submit]").click()
    before = float(page.locator("#factors tfoot .num").inner_text())
    page.locator("#enter-record").click()
    page.locator("#kind").select_option("award")
    page.locator("#summary").fill("2026年度诚信经营示范单位")
    page.locator("#save-record").click()
    expect(page.locator("#error-evidence")).to_be_visible()  # evidence is required
    page.locator("#evidence").fill("协会文件〔2026〕7号")
    page.locator("#save-record").click()
    expect(page.locator("#versions")).to_contain_text("协会文件〔2026〕7号")
    grading.run_pending()  # what the worker's credit sweep does within 30 s
    page.goto(f"/s/{graded.pk}/credit")
    expect(page.locator("#factor-awards td.num")).to_have_text("+4.0")
    assert float(page.locator("#factors tfoot .num").inner_text()) == before + 4.0


def test_credit_page_fits_a_phone(new_context: Any, live_server: Any, graded: Any) -> None:
    ctx = new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.goto(f"{live_server.url}/s/{graded.pk}/credit")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1
