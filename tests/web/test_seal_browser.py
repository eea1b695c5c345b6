"""The seal in a real browser (Debian's Chromium via Playwright): a member's
site shows the embed snippet; a visitor clicks the seal and the verification
page confirms the site. The same snippet copied onto another site leads to a
clear warning, and the misuse is recorded for staff.

The two sites are pages served by a small HTTP server on loopback under the
names yunshan-ec.com (the member's proven domain) and phish.example, which
Chromium resolves to 127.0.0.1 (--host-resolver-rules in conftest.py)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from chengxin.certs import services
from chengxin.certs.models import SealMisuse
from chengxin.membership import services as membership
from tests.membership.conftest import applicant, fill, verified_site  # noqa: F401
from tests.web.test_membership_browser import _log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sites() -> Iterator[tuple[int, dict[str, str]]]:
    """An HTTP server on loopback answering with the page registered for the
    Host header (the seal snippet pasted into a shop's page)."""
    pages: dict[str, str] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            host = (self.headers.get("Host") or "").split(":")[0]
            body = pages.get(host, "no such site").encode()
            self.send_response(200 if host in pages else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], pages
    finally:
        server.shutdown()
        server.server_close()


def _shop_page(title: str, snippet: str) -> str:
    return f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1><footer>{snippet}</footer></body></html>"


def test_seal_click_through_confirms_the_real_site_and_warns_on_a_copy(
        settings: Any, live_server: Any, new_context: Any, sites: Any, applicant: Any,  # noqa: F811
        reviewer: Any, admin_user: Any) -> None:
    settings.CHENGXIN_BASE_URL = live_server.url  # the seal and its link point at this platform
    user, subject, site = applicant
    app = membership.start_application(actor=user, subject=subject)
    fill(app, user, site)
    app = membership.submit(actor=user, app=app)
    app = membership.approve(actor=reviewer, app=app, reason="complete")
    membership.record_payment(actor=admin_user, app=app, amount="3000", method="bank", reference="TX-1")
    cert = services.current_certificate(subject)
    assert cert is not None
    snippet = services.embed_snippet(cert, "yunshan-ec.com")
    port, pages = sites
    pages["yunshan-ec.com"] = _shop_page("云杉官方商城", snippet)
    pages["phish.example"] = _shop_page("云杉官方商城（仿冒）", snippet)  # copied verbatim

    ctx = new_context()
    shop = ctx.new_page()
    shop.goto(f"http://yunshan-ec.com:{port}/")
    seal = shop.locator("footer img")
    expect(seal).to_be_visible()
    assert shop.evaluate("document.querySelector('footer img').naturalWidth") == 260  # the SVG loaded
    with ctx.expect_page() as opened:
        seal.click()
    verify = opened.value
    verify.wait_for_load_state()
    expect(verify.locator("#status")).to_contain_text("有效证书")
    expect(verify.locator("#bound-sites")).to_contain_text("yunshan-ec.com")
    expect(verify.locator("#bound-sites")).to_contain_text("您来自认证网站 yunshan-ec.com")
    expect(verify.locator("#misuse-warning")).to_have_count(0)

    phish = ctx.new_page()
    phish.goto(f"http://phish.example:{port}/")
    with ctx.expect_page() as opened:
        phish.locator("footer img").click()
    warned = opened.value
    warned.wait_for_load_state()
    expect(warned.locator("#misuse-warning")).to_contain_text("此标识不属于 phish.example")
    expect(warned.locator("#bound-sites")).to_contain_text("yunshan-ec.com")
    misuse = SealMisuse.objects.get()
    assert misuse.site == "phish.example" and misuse.via == "referer" and misuse.count == 1

    # on a phone, without JavaScript: everything fits the screen
    phone = new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False).new_page()
    phone.goto(f"/v/{cert.number}")
    expect(phone.locator("#status")).to_contain_text("有效证书")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # staff see it among the misuse reports
    staff = new_context().new_page()
    _log_in(staff, reviewer, "/staff/certificates/misuse")
    expect(staff.locator("table")).to_contain_text("phish.example")
