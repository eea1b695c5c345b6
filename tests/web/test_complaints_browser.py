"""Complaints in a real browser (Debian's Chromium through Playwright) against
the live server: a consumer registers with a phone number and files a
complaint with a photo, the merchant answers, the consumer disputes, a
mediator proposes a settlement both agree to, and the consumer answers the
survey; a merchant that never answers has its registered contact details
released to the consumer; filing works without JavaScript and fits a phone
screen; the public pages show the answer without the consumer's data.

Status labels are compared with the label in the page's language (zh-hans),
never with a hard-coded translation. Every complainant's name, phone, e-mail
and order number is remembered (tests/complaints/pii.py): the suite's guard
fails a test in which an anonymous visitor or a merchant receives any of it."""

from __future__ import annotations

import datetime as dt
import importlib
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.utils import translation
from playwright.sync_api import expect

from chengxin.accounts.services import grant_subject_access
from chengxin.complaints import filing as complaint_filing
from chengxin.complaints import queries, services, sweeps
from chengxin.complaints.models import Complaint, Status, Survey
from chengxin.core import clock
from chengxin.core.models import OutboxMessage
from chengxin.core.permissions import Role
from tests.complaints.conftest import filing
from tests.complaints.pii import remember, remember_order
from tests.factories import PASSWORD, make_subject, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The categories come from a data migration; a transactional test's flush
# empties their table, so they are put back the same way before each test.
_categories = importlib.import_module("chengxin.complaints.migrations.0002_categories")

SHOP = "杭州诚品电子商务有限公司"
ORDER = "DD2026030298765432"


def _png() -> bytes:
    """A real 1×1 PNG (signature, IHDR, IDAT, IEND with their CRCs)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8-bit RGB
    idat = zlib.compress(b"\x00\xff\x00\x00")  # filter byte + one red pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


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
    expect(page.locator(".error")).to_have_count(0)


@pytest.fixture(autouse=True)
def _setup(settings: Any, tmp_path: Any) -> None:
    # Argon2 is deliberately slow; the log-in flow is what is tested here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    _categories.load(apps, None)


@pytest.fixture
def shop() -> Any:
    admin = make_user(Role.ADMIN)
    return make_subject(admin, name=SHOP, address="浙江省杭州市西湖区文三路90号东部软件园5号楼302室",
                        contact_name="陈晓峰", contact_phone="13757112233", contact_email="service@chengpin.example")


@pytest.fixture
def merchant(shop: Any) -> Any:
    user = make_user(Role.MEMBER)
    grant_subject_access(actor=None, user=user, subject=shop)
    return user


@pytest.fixture
def consumer() -> Any:
    """A consumer account made directly; its data is remembered at once."""
    user = make_user(Role.CONSUMER, display_name="欧阳明娜", phone="13911112222", email="ouyang.mingna@mail.example")
    remember(user.display_name, user.phone, user.email)
    return user


@pytest.fixture
def png(tmp_path: Path) -> Path:
    path = tmp_path / "receipt.png"
    path.write_bytes(_png())
    return path


def _fill_complaint(page: Any, *, title: str, description: str, order: str = ORDER) -> None:
    form = page.locator("#complaint-form")
    form.locator("#category").select_option("quality")
    form.locator("#title").fill(title)
    form.locator("#site").fill("chengpin.example")
    form.locator("#order_ref").fill(order)
    form.locator("#amount").fill("299.00")
    form.locator("input[name=remedies][value=refund]").check()
    form.locator("#description").fill(description)


# --- 1. the whole path -------------------------------------------------------------

def test_register_file_answer_dispute_mediate_settle_and_survey(
        new_context: Any, shop: Any, merchant: Any, png: Path) -> None:
    mediator = make_user(Role.MEDIATOR)
    phone, name = "13912345678", "欧阳晓娜"
    remember_order(ORDER)

    # --- the consumer registers with a one-time code sent by SMS -------------------
    me = new_context().new_page()
    me.goto("/accounts/register")
    me.locator("#destination").fill(phone)
    me.locator("#send-code").click()
    expect(me.locator("#register-form")).to_be_visible()
    sms = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.SMS, recipient=phone).order_by("-pk").first()
    assert sms is not None, "no SMS with the code in the outbox"
    code = re.search(r"\b(\d{6})\b", sms.body)
    assert code, sms.body
    me.locator("#code").fill(code.group(1))
    me.locator("#display_name").fill(name)
    me.locator("#password").fill(PASSWORD)
    me.locator("#register").click()
    expect(me).to_have_url(re.compile(r"/me/complaints/$"))
    expect(me.locator("#my-complaints")).to_be_visible()
    # From here on, the name and number are the complainant's personal data:
    # (before, the anonymous registration page rightly showed the number typed in).
    remember(name, phone)

    # --- ... finds the merchant's integrity file and files a complaint ---------------
    me.goto(f"/s/{shop.pk}")
    expect(me.locator("main h1")).to_have_text(SHOP)
    me.locator("#complain-link").click()
    expect(me).to_have_url(re.compile(rf"/complaints/new\?subject={shop.pk}$"))
    expect(me.locator("#respondent")).to_have_text(SHOP)
    _fill_complaint(me, title="蓝牙耳机左耳没有声音", description="收到的蓝牙耳机左耳没有声音，联系客服三天没有回复。")
    me.set_input_files("#files", str(png))
    me.locator("#consent").check()
    me.locator("#public_consent").check()
    me.locator("#file-complaint").click()
    expect(me).to_have_url(re.compile(r"/me/complaints/TS\d{16}$"))
    _no_errors(me)
    c = Complaint.objects.get()
    assert me.url.endswith(f"/me/complaints/{c.number}")
    expect(me.locator("#status")).to_have_text(_label(Status.AWAITING_RESPONSE))
    expect(me.locator("ul.messages li.success")).to_contain_text(c.number)
    expect(me.locator("#title")).to_have_text("蓝牙耳机左耳没有声音")
    expect(me.locator("#consumer")).to_contain_text(name)  # the consumer sees their own data
    expect(me.locator("#evidence")).to_contain_text("receipt.png")
    assert (c.complainant.phone, c.complainant.display_name, c.order_ref) == (phone, name, ORDER)
    assert c.public_consent and c.remedies == ["refund"] and str(c.amount) == "299.00"
    ev = c.evidence.get()
    assert (ev.original_name, ev.content_type, ev.size) == ("receipt.png", "image/png", png.stat().st_size)

    # --- the merchant finds it among the complaints received, sees the photo, answers ---
    shop_page = new_context().new_page()
    _log_in(shop_page, merchant, "/me/complaints/")
    received = shop_page.locator("#received-complaints")
    expect(received).to_contain_text(c.number)
    expect(received).to_contain_text(_label(Status.AWAITING_RESPONSE))
    received.locator(f"a[href$='/me/complaints/{c.number}']").click()
    expect(shop_page).to_have_url(re.compile(rf"/me/complaints/{c.number}$"))
    expect(shop_page.locator("#status")).to_have_text(_label(Status.AWAITING_RESPONSE))
    expect(shop_page.locator("#evidence")).to_contain_text("receipt.png")
    expect(shop_page.locator("#evidence a", has_text="receipt.png")).to_have_attribute("href", f"/complaints/evidence/{ev.pk}")
    expect(shop_page.locator("#consumer")).to_contain_text(ORDER)  # to find the order
    expect(shop_page.locator("#consumer")).not_to_contain_text(name)  # the name only masked
    assert phone not in shop_page.content()
    answer = "您好，非常抱歉。我们已为您安排换货，新耳机今天发出。"
    shop_page.locator("#answer-text").fill(answer)
    shop_page.locator("#send-answer").click()
    expect(shop_page.locator("#status")).to_have_text(_label(Status.ANSWERED))
    _no_errors(shop_page)
    expect(shop_page.locator("#answer")).to_have_text(answer)

    # --- the consumer disputes the answer ---------------------------------------------
    me.reload()
    expect(me.locator("#status")).to_have_text(_label(Status.ANSWERED))
    expect(me.locator("#answer")).to_have_text(answer)
    reason = f"换的新耳机仍然没有声音，我要求退款。请打 {phone} 联系我。"
    me.locator("#dispute-text").fill(reason)
    me.locator("#dispute").click()
    expect(me.locator("#status")).to_have_text(_label(Status.DISPUTED))
    _no_errors(me)
    expect(me.locator("#timeline")).to_contain_text(reason)
    # the merchant reads the reason, but not the consumer's number in it
    shop_page.reload()
    expect(shop_page.locator("#status")).to_have_text(_label(Status.DISPUTED))
    expect(shop_page.locator("#timeline")).to_contain_text("换的新耳机仍然没有声音，我要求退款。")
    expect(shop_page.locator("#timeline")).not_to_contain_text(phone)

    # --- a mediator takes it up and proposes a settlement -------------------------------
    med = new_context().new_page()
    _log_in(med, mediator, "/staff/complaints/?view=mediation")
    med.locator(f"#queue a[href$='/staff/complaints/{c.number}']").click()
    expect(med).to_have_url(re.compile(rf"/staff/complaints/{c.number}$"))
    expect(med.locator("#status")).to_have_text(_label(Status.DISPUTED))
    expect(med.locator("#timeline")).to_contain_text(reason)
    med.locator("#start-mediation").click()
    expect(med.locator("#status")).to_have_text(_label(Status.IN_MEDIATION))
    _no_errors(med)
    proposal = "商家全额退款299元，消费者退回耳机，运费由商家承担。"
    med.locator("#proposal").fill(proposal)
    med.locator("#propose").click()
    expect(med.locator("#settlement")).to_have_text(proposal)
    _no_errors(med)

    # --- both parties agree ---------------------------------------------------------------
    me.reload()
    expect(me.locator("#status")).to_have_text(_label(Status.IN_MEDIATION))
    expect(me.locator("#settlement")).to_have_text(proposal)
    me.locator("#agree-settlement").click()
    _no_errors(me)
    expect(me.locator("#status")).to_have_text(_label(Status.IN_MEDIATION))  # the merchant has not agreed yet
    expect(me.locator("#agree-settlement")).to_be_visible()

    shop_page.reload()
    expect(shop_page.locator("#settlement")).to_have_text(proposal)
    shop_page.locator("#agree-settlement").click()
    _no_errors(shop_page)
    expect(shop_page.locator("#status")).to_have_text(_label(Status.RESOLVED_MEDIATION))
    expect(shop_page.locator("#agree-settlement")).to_have_count(0)

    # --- the consumer sees the outcome and answers the survey -----------------------------
    me.reload()
    expect(me.locator("#status")).to_have_text(_label(Status.RESOLVED_MEDIATION))
    survey = me.locator("#survey-form")
    survey.locator("input[name=rating][value='4']").check()
    survey.locator("input[name=handled_well][value=yes]").check()
    survey.locator("#survey-comment").fill("调解员很耐心。")
    me.locator("#send-survey").click()
    _no_errors(me)
    expect(me.locator("ul.messages li.success")).to_have_count(1)
    expect(me.locator("#survey-form")).to_have_count(0)  # answered once only
    expect(me.locator("#timeline")).to_contain_text("4/5")
    s = Survey.objects.get(complaint=c)
    assert (s.rating, s.handled_well, s.comment) == (4, True, "调解员很耐心。")
    c.refresh_from_db()
    assert c.status == Status.RESOLVED_MEDIATION and c.mediator_id == mediator.pk and c.closed_at is not None


# --- 2. a merchant that never answers ------------------------------------------------

def test_unanswered_complaint_releases_the_merchants_registered_contact(
        new_context: Any, shop: Any, merchant: Any, consumer: Any) -> None:
    clock.freeze(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))  # a Monday
    try:
        c, _new = complaint_filing.file_complaint(actor=consumer, data=filing(shop))
        clock.freeze(c.response_due_at + dt.timedelta(minutes=1))
        assert sweeps.run()["overdue"] == 1
        c.refresh_from_db()
        assert c.status == Status.OVERDUE and c.final_due_at is not None

        me = new_context().new_page()
        _log_in(me, consumer, f"/me/complaints/{c.number}")
        expect(me.locator("#status")).to_have_text(_label(Status.OVERDUE))
        expect(me.locator("#merchant-contact")).to_have_count(0)  # not before the final deadline

        clock.freeze(c.final_due_at + dt.timedelta(minutes=1))
        assert sweeps.run()["unanswered"] == 1
        assert sweeps.run()["unanswered"] == 0  # idempotent

        me.reload()
        expect(me.locator("#status")).to_have_text(_label(Status.UNANSWERED))
        contact = me.locator("#merchant-contact")
        expect(contact).to_be_visible()
        expect(contact).to_contain_text(shop.name)
        expect(contact).to_contain_text(shop.address)
        expect(contact).to_contain_text(shop.contact_phone)
        expect(contact).to_contain_text(shop.uscc)

        theirs = new_context().new_page()
        _log_in(theirs, merchant, f"/me/complaints/{c.number}")
        expect(theirs.locator("#status")).to_have_text(_label(Status.UNANSWERED))
        expect(theirs.locator("#merchant-contact")).to_have_count(0)
        expect(theirs.locator("#answer-form")).to_have_count(0)  # too late now
        expect(theirs.locator("main")).not_to_contain_text(consumer.phone)
        assert consumer.phone not in theirs.content()
        assert consumer.email not in theirs.content()
    finally:
        clock.freeze(None)


# --- 3. without JavaScript ------------------------------------------------------------

def test_filing_works_without_javascript(new_context: Any, shop: Any, merchant: Any, consumer: Any, png: Path) -> None:
    page = new_context(java_script_enabled=False).new_page()
    remember_order(ORDER)
    _log_in(page, consumer, f"/complaints/new?subject={shop.pk}")
    expect(page.locator("#respondent")).to_have_text(SHOP)
    _fill_complaint(page, title="快递一直没有送到", description="下单两周了，物流信息一直停在杭州转运中心。")
    page.locator("#public_consent").check()  # but not the required consent
    page.locator("#file-complaint").click()

    error = page.locator("#error-consent")
    expect(error).to_be_visible()
    expect(page.locator("#complaint-form p:has(#consent) #error-consent")).to_have_count(1)  # next to the box
    assert Complaint.objects.count() == 0
    # what was typed is kept
    expect(page.locator("#title")).to_have_value("快递一直没有送到")
    expect(page.locator("#order_ref")).to_have_value(ORDER)
    expect(page.locator("input[name=remedies][value=refund]")).to_be_checked()
    expect(page.locator("#public_consent")).to_be_checked()
    expect(page.locator("#consent")).not_to_be_checked()

    page.locator("#consent").check()
    page.set_input_files("#files", str(png))
    page.locator("#file-complaint").click()
    expect(page).to_have_url(re.compile(r"/me/complaints/TS\d{16}$"))
    _no_errors(page)
    c = Complaint.objects.get()
    expect(page.locator("#status")).to_have_text(_label(Status.AWAITING_RESPONSE))
    expect(page.locator("#title")).to_have_text("快递一直没有送到")
    expect(page.locator("#evidence")).to_contain_text("receipt.png")
    assert c.complainant_id == consumer.pk and c.evidence.count() == 1


# --- 4. on a phone --------------------------------------------------------------------

def test_complaint_pages_fit_a_phone_screen(new_context: Any, shop: Any, merchant: Any, consumer: Any) -> None:
    long_order = "DD20260302123456789012345678901234"
    c, _new = complaint_filing.file_complaint(
        actor=consumer,
        data=filing(shop, order_ref=long_order, title="蓝牙耳机左耳完全没有声音而且客服一直不回复消息",
                    description="收到的蓝牙耳机左耳没有声音。" * 20, remedies=["refund", "exchange", "compensation"],
                    site="https://www.chengpin-electronics-flagship-store.example/products/bluetooth-headphones"),
        files=[("购物小票截图_2026年3月2日_蓝牙耳机_订单详情页面完整截图.png", _png())],
    )
    services.answer(actor=merchant, c=c, text="您好，非常抱歉给您带来不便。我们已为您安排换货，新耳机今天发出。" * 5)
    ctx = new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    for url in (f"/me/complaints/{c.number}", f"/complaints/new?subject={shop.pk}"):
        if url.startswith("/me/"):
            _log_in(page, consumer, url)
            expect(page.locator("#status")).to_have_text(_label(Status.ANSWERED))
            expect(page.locator("#dispute-form")).to_be_visible()
        else:
            page.goto(url)
            expect(page.locator("#complaint-form")).to_be_visible()
        widths = page.evaluate(
            "() => ({scroll: document.documentElement.scrollWidth,"
            " client: document.documentElement.clientWidth})"
        )
        assert widths["scroll"] <= 360, f"horizontal overflow on a 360px screen at {url}: {widths}"


# --- 5. the public pages ------------------------------------------------------------

def test_public_pages_show_the_answer_without_the_consumers_data(
        new_context: Any, shop: Any, merchant: Any, consumer: Any) -> None:
    reviewer = make_user(Role.REVIEWER)
    c, _new = complaint_filing.file_complaint(actor=consumer, data=filing(shop, order_ref=ORDER))
    assert queries.public_complaints(shop).count() == 0  # not before staff confirmed it
    services.answer(actor=merchant, c=c,
                    text=f"已致电 {consumer.phone} 与{consumer.display_name}沟通，订单 {ORDER} 将全额退款。")
    services.confirm(actor=reviewer, c=c, note="有效投诉")

    page = new_context().new_page()
    page.goto(f"/s/{shop.pk}/complaints")
    expect(page.locator("main h1")).to_contain_text(SHOP)
    items = page.locator("#public-complaints li")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text(_label(Status.ANSWERED))
    items.first.locator(f"a[href$='/complaints/{c.number}']").click()
    expect(page).to_have_url(re.compile(rf"/complaints/{c.number}$"))
    main = page.locator("main")
    expect(main).to_contain_text("将全额退款")  # the answer is shown ...
    expect(main).to_contain_text("已致电")
    for value in (consumer.phone, consumer.display_name, ORDER, consumer.email, consumer.username):
        expect(main).not_to_contain_text(value)  # ... without the consumer's data
        assert value not in page.content()

    page.goto(f"/s/{shop.pk}")
    expect(page.locator("main h1")).to_have_text(SHOP)
    for value in (consumer.phone, consumer.display_name, ORDER):
        assert value not in page.content()

