"""Fixtures for the browser tests: Debian's Chromium driven by Playwright
against pytest-django's live server.

Three things need care here:

* Playwright's sync API keeps an asyncio loop "running" in the main thread,
  so Django would refuse ORM calls from the test body (SynchronousOnlyOperation).
  DJANGO_ALLOW_ASYNC_UNSAFE is set while the browser is up, and only then.
* The live server needs committed data, so these tests are transactional and
  Django flushes every table afterwards (tests/conftest.py makes that flush
  respect the append-only audit table and reloads the reference data).
* Chromium is Debian's /usr/bin/chromium; Playwright never downloads one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # test sites that show seals (tests/web/test_seal_browser.py) resolve to loopback
    "--host-resolver-rules=MAP *.example 127.0.0.1, MAP yunshan-ec.com 127.0.0.1",
]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing (apt-get install chromium); scripts/test.sh installs it as root"
        if IN_CI:
            pytest.fail(f"CI=true but {message}", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10_000)  # a loaded 2-core CI machine can be slow

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        pw.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_context(browser: Any, live_server: Any) -> Iterator[Any]:
    """Factory for fresh browser contexts (own cookies) aimed at the live server."""
    contexts: list[Any] = []

    def _new(**kwargs: Any) -> Any:
        kwargs.setdefault("base_url", live_server.url)
        kwargs.setdefault("locale", "zh-CN")
        ctx = browser.new_context(**kwargs)
        ctx.set_default_timeout(10_000)
        contexts.append(ctx)
        return ctx

    yield _new
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def page(new_context: Any) -> Any:
    return new_context().new_page()
