from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chengxin.accounts.services import grant_subject_access
from chengxin.membership import services
from chengxin.registry import ownership
from chengxin.registry import services as registry

from ..factories import make_subject, make_user

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def verified_site(settings: Any) -> Any:
    """Prove a site with the static DNS resolver (no network)."""
    settings.CHENGXIN_DNS_RESOLVER = "chengxin.registry.ownership.StaticDnsResolver"
    ownership._load.cache_clear()

    def _prove(actor: Any, subject: Any, domain: str) -> Any:
        site = registry.add_site(actor=actor, subject=subject, kind="domain", address=domain)
        ownership.StaticDnsResolver.records = {f"_chengxin.{site.domain}": [f"chengxin-verification={site.token}"]}
        try:
            registry.verify_site(actor=actor, site=site, method="dns")
        finally:
            ownership.StaticDnsResolver.records = {}
        site.refresh_from_db()
        return site

    yield _prove
    ownership._load.cache_clear()


@pytest.fixture
def applicant(db: Any, admin_user: Any, verified_site: Any) -> Any:
    """A member account acting for a subject with one proven site."""
    from chengxin.core.permissions import Role

    user = make_user(Role.MEMBER)
    subject = make_subject(admin_user, name="杭州云杉电子商务有限公司")
    grant_subject_access(actor=admin_user, user=user, subject=subject)
    site = verified_site(admin_user, subject, "yunshan-ec.com")
    return user, subject, site


def fill(app: Any, user: Any, site: Any) -> Any:
    services.update_application(actor=user, app=app, data={
        "applicant_type": "b2c", "level": "member", "sites": [site.pk], "contact_name": "李娜",
        "contact_phone": "13800138000", "contact_email": "lina@example.com", "size_band": "small", "declaration": True,
    })
    services.add_document(actor=user, app=app, kind="licence", name="licence.pdf", data=PDF)
    return app


@pytest.fixture
def submitted(applicant: Any) -> Any:
    user, subject, site = applicant
    app = services.start_application(actor=user, subject=subject)
    fill(app, user, site)
    return services.submit(actor=user, app=app)


MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
