"""Rankings in a real browser (Debian's Chromium through Playwright) against
the live server: a visitor opens /rankings/, filters by a province (with and
without JavaScript) and follows a row to the integrity file; the list fits a
phone screen; a reviewer publishes the ranking on screen and lands on the
edition, which shows its date, criteria, policy version and checksum."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from typing import Any

import pytest
from django.apps import apps
from playwright.sync_api import expect

from chengxin.core import clock
from chengxin.core.permissions import Role
from chengxin.credit import services
from chengxin.credit.models import Grade, RankingEdition
from tests.factories import PASSWORD, make_subject, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Record kinds come from a data migration; a transactional test's flush empties
# their table (and the active policy is checked against them), so they are put
# back the same way before each test.
_record_kinds = importlib.import_module("chengxin.credit.migrations.0002_record_kinds")

HANGZHOU = "杭州诚品电子商务有限公司"
NINGBO = "宁波海曙优选网络科技有限公司"
BEIJING = "北京京华优品商贸有限公司"


@pytest.fixture(autouse=True)
def _setup(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _record_kinds.load(apps, None)


@pytest.fixture
def ranked() -> dict[str, Any]:
    """Three graded subjects with enough history, as the engine leaves them."""
    admin = make_user(Role.ADMIN)
    version = services.active_policy().version
    today = services.today()
    out = {}
    for name, province, city, grade, score in ((BEIJING, "110000", "110100", "AAA", 93.0),
                                               (HANGZHOU, "330000", "330100", "AA", 86.5),
                                               (NINGBO, "330000", "330200", "A", 78.0)):
        s = make_subject(admin, name=name, province=province, city=city, industry="F5292")
        Grade.objects.create(subject=s, grade=grade, score=score, evidence=6, tenure_days=400, policy_version=version,
                             as_of=today, factors={}, computed_at=clock.now())
        out[name] = s
    return out


def _rows(page: Any) -> Any:
    return page.locator("#ranking-rows li")


def test_filter_by_province_and_open_the_integrity_file(page: Any, ranked: dict[str, Any]) -> None:
    page.goto("/")
    page.locator("header nav a[href='/rankings/']").click()
    expect(page).to_have_url(re.compile(r"/rankings/$"))
    expect(_rows(page)).to_have_count(3)
    expect(_rows(page).nth(0)).to_contain_text(BEIJING)
    expect(page.locator("#ranking-criteria")).to_contain_text(services.active_policy().version)

    page.locator("#ranking-province").select_option("330000")  # the list reloads for the province
    expect(page).to_have_url(re.compile(r"/rankings/\?province=330000"))
    expect(_rows(page)).to_have_count(2)
    expect(_rows(page).nth(0)).to_contain_text(HANGZHOU)
    expect(_rows(page).nth(1)).to_contain_text(NINGBO)
    expect(page.locator("#ranking-city option[value='330200']")).to_have_count(1)
    expect(page.locator("#ranking-city option[value='110100']")).to_have_count(0)

    _rows(page).filter(has_text=NINGBO).get_by_role("link", name=NINGBO).click()
    expect(page).to_have_url(re.compile(rf"/s/{ranked[NINGBO].pk}$"))
    expect(page.locator("main h1")).to_have_text(NINGBO)


def test_filters_work_without_javascript_and_fit_a_phone(new_context: Any, ranked: dict[str, Any]) -> None:
    ctx = new_context(java_script_enabled=False, viewport={"width": 360, "height": 740}, is_mobile=True)
    page = ctx.new_page()
    page.goto("/rankings/")
    page.locator("#ranking-province").select_option("330000")
    page.locator("#ranking-filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"province=330000"))
    expect(_rows(page)).to_have_count(2)
    page.locator("#ranking-city").select_option("330100")  # the province's cities, after the first step
    page.locator("#ranking-filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"province=330000&city=330100"))
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).nth(0)).to_contain_text(HANGZHOU)
    widths = page.evaluate("() => ({scroll: document.documentElement.scrollWidth,"
                           " client: document.documentElement.clientWidth})")
    assert widths["scroll"] <= 360, f"horizontal overflow on a 360px screen: {widths}"
    _rows(page).get_by_role("link", name=HANGZHOU).click()
    expect(page).to_have_url(re.compile(rf"/s/{ranked[HANGZHOU].pk}$"))


def test_reviewer_publishes_an_edition(page: Any, ranked: dict[str, Any]) -> None:
    reviewer = make_user(Role.REVIEWER)
    page.goto("/accounts/login/?next=/rankings/?province=330000")
    page.locator("#id_username").fill(reviewer.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/rankings/\?province=330000$"))
    form = page.locator("#publish-form")
    form.locator("#publish-title").fill("2026年浙江省诚信企业榜")
    form.locator("button[type=submit]").click()
    edition = RankingEdition.objects.get()
    expect(page).to_have_url(re.compile(rf"/rankings/editions/{edition.pk}/$"))
    expect(page.locator("#edition-title")).to_have_text("2026年浙江省诚信企业榜")
    expect(page.locator("#edition-sha256")).to_have_text(edition.sha256)
    expect(page.locator("#edition-policy")).to_have_text(edition.policy_version)
    expect(page.locator("#edition-date")).to_have_text(edition.as_of.isoformat())
    expect(_rows(page)).to_have_count(2)
    assert [r["name"] for r in edition.rows] == [HANGZHOU, NINGBO]
    assert edition.as_of == services.today() and edition.published_at <= clock.now() + dt.timedelta(seconds=1)
