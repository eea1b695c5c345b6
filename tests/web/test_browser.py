"""End-to-end flows in a real browser (Debian's Chromium through Playwright)
against the live server: search, the integrity file, the language switch,
a phone-sized screen, no JavaScript, and a reviewer revealing an identity
number. Assertions avoid depending on Chinese translations: only the
`lang` attribute, English UI text and the data created here are checked."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from chengxin.core.permissions import Role
from tests.factories import PASSWORD, make_id_number, make_subject, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HANGZHOU = "杭州云杉电子商务有限公司"
NINGBO = "宁波海曙云杉贸易有限公司"
SHANGHAI = "上海新华书店"


@pytest.fixture
def shops() -> dict[str, Any]:
    return {name: make_subject(name=name) for name in (HANGZHOU, NINGBO, SHANGHAI)}


def _search(page: Any, text: str) -> Any:
    page.goto("/search")
    page.locator("form[role=search] input[name=q]").fill(text)
    page.locator("form[role=search] [type=submit]").click()
    return page.locator("#results ul.results li a")


def _assert_result_names(results: Any, *, present: list[str], absent: list[str]) -> None:
    expect(results).to_have_count(len(present))
    names = [t.strip() for t in results.all_inner_texts()]
    for name in present:
        assert name in names
    for name in absent:
        assert name not in names


def test_search_open_file_and_switch_language(page: Any, shops: dict[str, Any]) -> None:
    html = page.locator("html")
    results = _search(page, "云杉")
    expect(html).to_have_attribute("lang", "zh-hans")
    _assert_result_names(results, present=[HANGZHOU, NINGBO], absent=[SHANGHAI])

    target = shops[HANGZHOU]
    results.filter(has_text=HANGZHOU).click()
    expect(page).to_have_url(re.compile(rf"/s/{target.pk}$"))
    expect(page.locator("main h1")).to_have_text(HANGZHOU)
    expect(page.locator("main")).to_contain_text(target.uscc)
    expect(html).to_have_attribute("lang", "zh-hans")

    page.locator("#lang-switch").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(rf"/s/{target.pk}$"))  # the switch comes back here
    expect(page.locator("main")).to_contain_text("Integrity file")
    expect(page.locator("main h1")).to_have_text(HANGZHOU)  # data is not translated

    page.locator("#lang-switch").click()
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(re.compile(rf"/s/{target.pk}$"))
    expect(page.locator("main h1")).to_have_text(HANGZHOU)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_integrity_file_fits_a_phone_screen(new_context: Any, live_server: Any, language: str) -> None:
    subject = make_subject(
        name="杭州云杉电子商务有限公司滨江区第一分公司（网络零售旗舰店）",
        address="浙江省杭州市滨江区长河街道江南大道3850号创新大厦十八层1801室",
    )
    ctx = new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2,
                      is_mobile=True, has_touch=True)
    ctx.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = ctx.new_page()
    page.goto(f"/s/{subject.pk}")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("main h1")).to_have_text(subject.name)
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth,"
        " client: document.documentElement.clientWidth})"
    )
    assert widths["scroll"] <= widths["client"] + 1, f"horizontal overflow on a 375px screen: {widths}"


def test_search_works_without_javascript(new_context: Any, shops: dict[str, Any]) -> None:
    page = new_context(java_script_enabled=False).new_page()
    results = _search(page, "云杉")
    expect(page).to_have_url(re.compile(r"/search\?.*q=%E4%BA%91%E6%9D%89"))
    _assert_result_names(results, present=[HANGZHOU, NINGBO], absent=[SHANGHAI])
    results.filter(has_text=NINGBO).click()
    expect(page).to_have_url(re.compile(rf"/s/{shops[NINGBO].pk}$"))
    expect(page.locator("main h1")).to_have_text(NINGBO)


def test_reviewer_reveals_identity_number_only_on_staff_page(new_context: Any, settings: Any) -> None:
    # Argon2 is deliberately slow; the log-in flow is what is tested here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    reviewer = make_user(Role.REVIEWER)
    number = make_id_number()
    merchant = make_subject(kind="individual", uscc="", id_number=number, name="张小花服装店",
                            legal_representative="张小花")
    masked = merchant.id_number_masked
    assert masked and masked != number

    page = new_context().new_page()
    staff_url = f"/staff/subjects/{merchant.pk}"
    page.goto(staff_url)
    expect(page).to_have_url(re.compile(r"/accounts/login/"))  # staff pages need a log-in
    page.locator("#id_username").fill(reviewer.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form [type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(staff_url)}$"))

    id_number = page.locator("#id-number")
    expect(id_number).to_have_text(masked)
    assert number not in page.content()

    page.locator(f"form[action$='/staff/subjects/{merchant.pk}/reveal'] [type=submit]").click()
    expect(id_number).to_have_text(number)

    # The public integrity file never shows it, neither to the reviewer ...
    page.goto(f"/s/{merchant.pk}")
    expect(page.locator("main h1")).to_have_text(merchant.name)
    assert number not in page.content()
    # ... nor to anyone else.
    anonymous = new_context().new_page()
    anonymous.goto(f"/s/{merchant.pk}")
    expect(anonymous.locator("main h1")).to_have_text(merchant.name)
    assert number not in anonymous.content()
