"""Load synthetic demo data: subjects, their sites and a set of demo accounts.

`chengxin serve` calls `load_demo()` on first start (when `demo_needed()`,
i.e. the database holds no subject at all); `chengxin demo` calls it on
demand. The data comes from `chengxin.demo.generator` (deterministic from a
seed) and is written only through the services (`accounts.services.create_user`,
`registry.services.create_subject`, `add_site`, `verify_site`,
`accounts.services.grant_subject_access`), so every record is validated and
audited like any other: the audit entries name the demo `admin` account and
the reason "demo data (chengxin demo)".

Demo site verifications use a static, in-process DNS resolver: for each site
to be shown verified the loader puts the site's token into a
`ownership.StaticDnsResolver` (a TXT record `_chengxin.<domain>`), and, for
shops on platforms, a static page fetcher returns a page showing the token.
While the demo is loaded `ownership.resolver` / `ownership.fetcher` are
patched to return these, so `verify_site` runs its real checks without any
network access, and the check detail (also the audit reason) ends with
"demo data: static in-process resolver, no network lookup". Some other sites
get a failed check on record, the rest none. The patches are process-wide for
the duration of the load: do not load demo data in a process that is serving
requests at the same time.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

from django.db import transaction

from chengxin.accounts import services as accounts
from chengxin.accounts.models import User
from chengxin.core import clock, pii
from chengxin.core.permissions import Role
from chengxin.registry import ownership
from chengxin.registry import services as registry
from chengxin.registry.models import Subject

from .generator import generate_subjects

BATCH_SIZE = 200
REASON = "demo data (chengxin demo)"
DEMO_NOTE = "demo data: static in-process resolver, no network lookup"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    display_name: str
    description: str


# Keep docs/demo-accounts.md in step with this list (a test checks it).
DEMO_ACCOUNTS = (
    DemoAccount("admin", "chengxin-admin", Role.ADMIN, "演示管理员",
                "administrator: everything, incl. users and API tokens"),
    DemoAccount("reviewer", "chengxin-reviewer", Role.REVIEWER, "演示审核员",
                "edits the registry, sees identity numbers"),
    DemoAccount("mediator", "chengxin-mediator", Role.MEDIATOR, "演示调解员",
                "staff view, exports and the audit trail; no edits"),
    DemoAccount("member", "chengxin-member", Role.MEMBER, "演示会员（企业）",
                "acts for two demo organisations (one site verified, one not)"),
    DemoAccount("member2", "chengxin-member2", Role.MEMBER, "演示会员（个体）",
                "acts for a demo individual merchant and a community manager"),
    DemoAccount("consumer", "chengxin-consumer", Role.CONSUMER, "演示消费者",
                "an ordinary logged-in consumer"),
)


def demo_needed() -> bool:
    """True only on a first start: no subject in the database at all."""
    return not Subject.objects.exists()


class _DemoPageFetcher:
    """Answers GETs from a dict of URL -> page body; 404 for anything else."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}

    def get(self, url: str) -> tuple[int, bytes]:
        body = self.pages.get(url)
        return (200, body) if body is not None else (404, b"")


@contextmanager
def _static_ownership() -> Iterator[tuple[ownership.StaticDnsResolver, _DemoPageFetcher]]:
    resolver = ownership.StaticDnsResolver()
    resolver.records = {}  # this instance's own records, not the shared class dict
    fetcher = _DemoPageFetcher()
    real_dns, real_http, real_page = ownership.check_dns, ownership.check_http, ownership.check_page

    def noted(check: Any) -> Any:
        def run(*args: str) -> ownership.CheckOutcome:
            out = check(*args)
            return ownership.CheckOutcome(out.success, f"{out.detail} ({DEMO_NOTE})")
        return run

    with (
        mock.patch.object(ownership, "resolver", lambda: resolver),
        mock.patch.object(ownership, "fetcher", lambda: fetcher),
        mock.patch.object(ownership, "check_dns", noted(real_dns)),
        mock.patch.object(ownership, "check_http", noted(real_http)),
        mock.patch.object(ownership, "check_page", noted(real_page)),
    ):
        yield resolver, fetcher


def _say(stdout: Any, message: str) -> None:
    if stdout is None:
        return
    stdout.write(message + "\n")
    flush = getattr(stdout, "flush", None)
    if callable(flush):
        flush()


def _ensure_accounts() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Create the demo accounts that do not exist yet; never touch existing ones."""
    users: dict[str, Any] = {}
    report: list[dict[str, Any]] = []
    with transaction.atomic():
        for acc in DEMO_ACCOUNTS:
            existing = User.objects.filter(username__iexact=acc.username).first()
            if existing is None:
                user = accounts.create_user(
                    actor=None, username=acc.username, password=acc.password, role=acc.role,
                    email=f"{acc.username}@example.com", display_name=acc.display_name,
                    validate=False,
                )
                created = True
            else:
                user, created = existing, False
            users[acc.username] = user
            report.append({"username": acc.username, "password": acc.password if created else None,
                           "role": acc.role.value, "created": created, "subjects": []})
    return users, report


def _actor(users: dict[str, Any]) -> Any:
    admin = users["admin"]
    if admin.is_active and (admin.role == Role.ADMIN or admin.is_superuser):
        return admin
    other = User.objects.filter(is_active=True, role=Role.ADMIN).order_by("pk").first()
    if other is None:
        raise RuntimeError("demo data needs an active administrator account to act as")
    return other


def load_demo(stdout: Any = None, *, subjects: int = 2400, seed: int = 2026) -> dict[str, Any]:
    """Create the demo accounts (those missing) and `subjects` demo subjects
    with their sites; return a summary. Names and codes of subjects already
    in the database are avoided, so this can also add to existing data."""
    if subjects < 0:
        raise ValueError("subjects must not be negative")
    started = time.monotonic()
    users, account_report = _ensure_accounts()
    actor = _actor(users)

    existing_hashes = set(
        Subject.objects.exclude(id_number_hash="").values_list("id_number_hash", flat=True)
    )
    specs = generate_subjects(
        subjects,
        seed,
        taken_names=Subject.objects.values_list("name", flat=True),
        taken_codes=[c for c in Subject.objects.values_list("uscc", flat=True) if c],
        id_taken=(lambda code: pii.blind_index(code, context=registry.ID_CONTEXT)
                  in existing_hashes) if existing_hashes else None,
    )
    _say(stdout, f"demo data: {len(specs)} subjects (seed {seed}) ...")

    real_now = clock.now()
    reg_rng = random.Random(seed)
    created: list[tuple[Any, list[tuple[Any, str | None]]]] = []
    counts: Counter[str] = Counter()
    with _static_ownership() as (resolver, fetcher):
        for start in range(0, len(specs), BATCH_SIZE):
            with transaction.atomic():
                for spec in specs[start:start + BATCH_SIZE]:
                    data = {k: v for k, v in spec.items() if k != "sites"}
                    # registered some time in the last six years (tenure counts in grades and rankings)
                    clock.freeze(real_now - dt.timedelta(days=reg_rng.randint(0, 6 * 365), minutes=reg_rng.randint(0, 1440)))
                    try:
                        subject = registry.create_subject(actor=actor, data=data, reason=REASON)
                    finally:
                        clock.freeze(None)
                    counts[subject.kind] += 1
                    sites = []
                    for site_spec in spec["sites"]:
                        site = registry.add_site(
                            actor=actor, subject=subject, kind=site_spec["kind"],
                            address=site_spec["address"], platform=site_spec["platform"],
                            name=site_spec["name"], reason=REASON,
                        )
                        counts["sites"] += 1
                        state = site_spec["verify"]
                        if state is not None:
                            if state == "ok":
                                proof = f"chengxin-verification={site.token}"
                                resolver.records[site.txt_name] = [proof]
                                fetcher.pages[site.url] = (
                                    f"<html><body>{site.name} {proof}</body></html>".encode()
                                )
                            check = registry.verify_site(
                                actor=actor, site=site, method="page" if site.url else "dns"
                            )
                            counts["verified_sites" if check.success else "failed_checks"] += 1
                        sites.append((site, state))
                    created.append((subject, sites))
            done = min(start + BATCH_SIZE, len(specs))
            _say(stdout, f"  subjects: {done * 100 // len(specs):3d}% ({done}/{len(specs)})")

    _link_members(users, account_report, created, actor)
    from .memberships import load as load_memberships

    _say(stdout, "demo memberships and certificates ...")
    counts["members"] = load_memberships(created=created, users=users, actor=actor)
    from .complaints import load as load_complaints

    _say(stdout, "demo complaints ...")
    counts["complaints"] = load_complaints(subjects=[s for s, _ in created], users=users)
    from .credit import load as load_credit

    _say(stdout, "demo credit records and grades ...")
    counts["credit_records"], counts["graded"] = load_credit(subjects=[s for s, _ in created], users=users, actor=actor)
    seconds = time.monotonic() - started
    summary = {
        "subjects": len(created),
        "by_kind": {k: counts[k] for k in ("organisation", "individual", "platform",
                                           "community_manager")},
        "provinces": len({s.province_id for s, _ in created}),
        "cities": len({s.city_id for s, _ in created}),
        "industries": len({s.industry_id for s, _ in created}),
        "sites": counts["sites"],
        "verified_sites": counts["verified_sites"],
        "failed_checks": counts["failed_checks"],
        "members": counts["members"],
        "complaints": counts["complaints"],
        "credit_records": counts["credit_records"],
        "graded": counts["graded"],
        "accounts": account_report,
        "seconds": round(seconds, 1),
    }
    _say(stdout, f"demo data loaded in {seconds:.1f} s")
    return summary


def _link_members(
    users: dict[str, Any],
    report: list[dict[str, Any]],
    created: list[tuple[Any, list[tuple[Any, str | None]]]],
    actor: Any,
) -> None:
    """Give the newly created member accounts demo subjects to act for."""

    def first(kind: str, want: str | None, *, site_kind: str | None = None) -> Any:
        for subject, sites in created:
            if subject.kind != kind or subject in chosen:
                continue
            if want == "any" or any(
                state == want and (site_kind is None or site.kind == site_kind)
                for site, state in sites
            ):
                return subject
        return None

    chosen: list[Any] = []
    plans: dict[str, list[tuple[str, str | None, str | None]]] = {
        "member": [("organisation", "ok", "domain"), ("organisation", None, "domain")],
        "member2": [("individual", "ok", "shop"), ("community_manager", "any", None)],
    }
    rows = {r["username"]: r for r in report}
    for username, wanted in plans.items():
        user = users[username]
        if not rows[username]["created"] or user.role != Role.MEMBER:
            continue
        for kind, want, site_kind in wanted:
            subject = first(kind, want, site_kind=site_kind) or first(kind, "any")
            if subject is None:
                continue
            chosen.append(subject)
            accounts.grant_subject_access(actor=actor, user=user, subject=subject, reason=REASON)
            rows[username]["subjects"].append(subject.name)
