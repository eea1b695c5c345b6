"""Bench data for bench/certs/bench.py, made through the real services: one
subject with a site proven over (static) DNS, an application filled, submitted,
approved and paid, hence an active membership and its certificate.

Run by bench.py with CHENGXIN_VAR_DIR pointing at the bench var dir (already
migrated) and CHENGXIN_DNS_RESOLVER=chengxin.registry.ownership.StaticDnsResolver.
Reuses the certificate if one is active and valid for at least another day.
Prints one JSON object: number, token, the seal's and status lists' paths.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import sys

import django

django.setup()

from django.conf import settings  # noqa: E402

from chengxin.accounts import services as accounts  # noqa: E402
from chengxin.certs import seal, statuslist  # noqa: E402
from chengxin.certs.models import Certificate, CertStatus  # noqa: E402
from chengxin.core import clock  # noqa: E402
from chengxin.core.permissions import Role  # noqa: E402
from chengxin.registry import ownership  # noqa: E402
from chengxin.registry import services as registry  # noqa: E402
from chengxin.registry.validators import USCC_ALPHABET, uscc_check_char  # noqa: E402

PASSWORD = "Bench-Horse-77"  # noqa: S105 - local bench accounts, loopback only
DOMAIN = "yunshan-ec.com"


def user(role: Role, base: str) -> object:
    """Like tests/factories.make_user: accounts.create_user as the system."""
    from django.contrib.auth import get_user_model

    for n in itertools.count(1):
        name = f"{base}{n}"
        if not get_user_model().objects.filter(username__iexact=name).exists():
            return accounts.create_user(actor=None, username=name, password=PASSWORD, role=role,
                                        email=f"{name}@example.org", validate=False)
    raise AssertionError("unreachable")


def uscc() -> str:
    """As tests/factories.make_uscc: 9 + 1 + division + organisation code + check character."""
    from chengxin.registry.models import Subject

    for n in itertools.count(1):
        rng = random.Random(f"bench-certs-{n}")
        body = "91" + "330106" + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
        code = body + uscc_check_char(body)
        if not Subject.objects.filter(uscc=code).exists():
            return code
    raise AssertionError("unreachable")


def prove_site(actor: object, subject: object, domain: str) -> object:
    """As tests/membership/conftest.verified_site: a TXT record answered by
    the static resolver, then the real verify_site."""
    assert settings.CHENGXIN_DNS_RESOLVER.endswith("StaticDnsResolver"), settings.CHENGXIN_DNS_RESOLVER
    ownership._load.cache_clear()
    site = registry.add_site(actor=actor, subject=subject, kind="domain", address=domain)
    ownership.StaticDnsResolver.records = {f"_chengxin.{site.domain}": [f"chengxin-verification={site.token}"]}
    try:
        registry.verify_site(actor=actor, site=site, method="dns")
    finally:
        ownership.StaticDnsResolver.records = {}
    site.refresh_from_db()
    return site


def create() -> Certificate:
    from chengxin.demo.memberships import make_member

    admin = user(Role.ADMIN, "bench-admin")
    reviewer = user(Role.REVIEWER, "bench-reviewer")
    member = user(Role.MEMBER, "bench-member")
    subject = registry.create_subject(actor=admin, reason="bench", data={
        "kind": "organisation", "name": "杭州云杉电子商务有限公司", "uscc": uscc(),
        "legal_representative": "王小明", "address": "浙江省杭州市西湖区文三路1号",
        "province": "330000", "city": "330100", "industry": "F5292",
        "contact_name": "李娜", "contact_phone": "13800138000", "contact_email": "contact@example.com",
    })
    prove_site(admin, subject, DOMAIN)
    app = make_member(subject=subject, applicant=member, reviewer=reviewer, admin=admin)  # the demo's real-service path
    return app.certificates.get()


def main() -> int:
    horizon = clock.now() + dt.timedelta(days=1)
    cert = (Certificate.objects.filter(status=CertStatus.ACTIVE, valid_until__gt=horizon, valid_from__lte=clock.now())
            .order_by("-issued_at").first())
    made = cert is None
    if cert is None:
        cert = create()
    number = cert.number
    out = {
        "number": number,
        "token": cert.token,
        "created": made,
        "seal": seal.seal_path(number),
        "status_lists": {p: statuslist.list_path(p, cert.status_list) for p in ("revocation", "suspension")},
        "public_dir": str(settings.CHENGXIN_PUBLIC_DIR),
    }
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
