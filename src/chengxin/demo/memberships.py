"""Demo memberships: some demo subjects with proven sites become members
through the real membership services (application, review, fee), so they
hold signed certificates and seals. The account `member2` gets one of them;
`member` is left to try the application itself."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from chengxin.accounts import services as accounts
from chengxin.accounts.models import User
from chengxin.core.permissions import Role
from chengxin.membership import services as membership

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
REASON = "demo data"
APPLICANT = "demo-applicants"


def _applicant() -> Any:
    user = User.objects.filter(username=APPLICANT).first()
    if user is None:
        user = accounts.create_user(actor=None, username=APPLICANT, password=None, role=Role.MEMBER,  # cannot log in
                                    email="demo-applicants@example.com", display_name="演示申请人", validate=False)
    return user


def make_member(*, subject: Any, applicant: Any, reviewer: Any, admin: Any, level: str = "member") -> Any:
    with transaction.atomic():
        if not accounts.acts_for(applicant, subject):
            accounts.grant_subject_access(actor=admin, user=applicant, subject=subject, reason=REASON)
        sites = [s.pk for s in subject.sites.filter(removed_at__isnull=True) if s.is_verified()]
        app = membership.start_application(actor=applicant, subject=subject)
        membership.update_application(actor=applicant, app=app, data={
            "applicant_type": "b2c", "level": level, "sites": sites, "contact_name": "张伟",
            "contact_phone": "13800138000", "contact_email": "contact@example.com", "size_band": "small", "declaration": True,
        })
        membership.add_document(actor=applicant, app=app, kind="licence", name="licence.pdf", data=PDF)
        app = membership.submit(actor=applicant, app=app)
        app = membership.approve(actor=reviewer, app=app, reason=REASON)
        membership.waive_fee(actor=admin, app=app, reason=REASON)
    return app


def load(*, created: list[tuple[Any, list[tuple[Any, str | None]]]], users: dict[str, Any], actor: Any, count: int = 40) -> int:
    reviewer = users.get("reviewer") or actor
    done = 0
    member2 = users.get("member2")
    if member2 is not None:
        for subject in member2.subjects.all():
            if any(s.is_verified() for s in subject.sites.all()) and not subject.applications.exists():
                make_member(subject=subject, applicant=member2, reviewer=reviewer, admin=actor)
                done += 1
                break
    applicant = _applicant()
    taken = {s.pk for u in users.values() for s in u.subjects.all()}
    for subject, sites in created:
        if done >= count:
            break
        if subject.pk in taken or subject.kind != "organisation" or not any(state == "ok" for _, state in sites):
            continue
        make_member(subject=subject, applicant=applicant, reviewer=reviewer, admin=actor, level="member" if done % 3 else "council")
        done += 1
    return done
