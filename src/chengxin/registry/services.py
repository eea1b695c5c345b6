"""Registry: subjects and their sites. Every write goes through here, inside
one transaction, with an audit entry (actor, time, before, after, reason)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from chengxin.core import clock, pii
from chengxin.core.errors import Conflict, NotFound, ValidationFailed
from chengxin.core.permissions import check, has_perm
from chengxin.credit import hooks as credit_hooks
from chengxin.ledger import services as audit

from . import ownership
from .models import (
    NATURAL_PERSON_KINDS,
    Industry,
    Region,
    Site,
    SiteCheck,
    SiteKind,
    Subject,
    SubjectKind,
    SubjectStatus,
    VerificationMethod,
)
from .normalize import DomainError, name_key, normalize_domain, search_grams
from .search import search_subjects  # noqa: F401 - callers use services.search_subjects
from .validators import CodeError, validate_id_number, validate_uscc

ID_CONTEXT = "registry.subject.id_number"
RETENTION_DAYS = 2 * 366  # departed subjects' records are kept at least two years

EDITABLE_FIELDS = (
    "kind", "name", "uscc", "id_number", "legal_representative", "address",
    "province", "city", "industry", "contact_name", "contact_phone", "contact_email",
)
_UNSAFE = re.compile(r"[<>\x00-\x1f\x7f]")
_PHONE = re.compile(r"^\+?[0-9][0-9\-\s]{5,20}$")


@dataclass
class FieldErrors:
    errors: list[dict[str, str]] = field(default_factory=list)

    def add(self, name: str, message: str, code: str = "invalid") -> None:
        self.errors.append({"field": name, "code": code, "message": message})

    def raise_if_any(self) -> None:
        if self.errors:
            first = self.errors[0]
            raise ValidationFailed(
                first["message"], field=first["field"], code=first["code"], errors=self.errors
            )


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    return unicodedata.normalize("NFC", str(value)).strip()


def _check_plain_text(errs: FieldErrors, key: str, value: str, max_len: int, label: str) -> None:
    if _UNSAFE.search(value):
        errs.add(key, _("%(f)s must not contain HTML or control characters (< > etc.).") % {"f": label}, "unsafe_text")
    elif len(value) > max_len:
        errs.add(key, _("%(f)s is too long (at most %(n)d characters).") % {"f": label, "n": max_len}, "too_long")


def _region(code: str | None) -> Region | None:
    if not code:
        return None
    return Region.objects.filter(code=str(code).strip()).first()


def clean_subject_data(
    data: dict[str, Any], *, existing: Subject | None = None
) -> dict[str, Any]:
    """Validate a full set of subject fields. Returns cleaned values or
    raises ValidationFailed listing every problem (field, code, message)."""
    errs = FieldErrors()
    out: dict[str, Any] = {}

    kind = _text(data, "kind") or (existing.kind if existing else "")
    if kind not in SubjectKind.values:
        errs.add("kind", _("Choose a kind: %(k)s.") % {"k": ", ".join(SubjectKind.values)}, "required" if not kind else "invalid_choice")
    out["kind"] = kind

    name = _text(data, "name")
    if not name:
        errs.add("name", _("A name is required."), "required")
    _check_plain_text(errs, "name", name, 200, _("The name"))
    out["name"] = name

    uscc_raw = _text(data, "uscc")
    out["uscc"] = None
    if uscc_raw:
        try:
            out["uscc"] = validate_uscc(uscc_raw)
        except CodeError as exc:
            errs.add("uscc", exc.message, "invalid_uscc")
    elif kind in (SubjectKind.ORGANISATION, SubjectKind.PLATFORM):
        errs.add("uscc", _("Organisations and platforms need a unified social credit code."), "required")

    id_raw = _text(data, "id_number")
    out["id_number"] = None
    if id_raw:
        if kind not in NATURAL_PERSON_KINDS:
            errs.add("id_number", _("Only natural persons have a resident identity number."), "not_applicable")
        else:
            try:
                out["id_number"] = validate_id_number(id_raw, today=clock.now().date())
            except CodeError as exc:
                errs.add("id_number", exc.message, "invalid_id_number")
    elif kind in NATURAL_PERSON_KINDS and not out["uscc"] and not (existing and existing.id_number_enc):
        errs.add("id_number", _("A natural person needs a resident identity number or a unified social credit code."), "required")

    for key, max_len, label in (
        ("legal_representative", 100, _("The legal representative")),
        ("address", 300, _("The address")),
        ("contact_name", 100, _("The contact person")),
    ):
        value = _text(data, key)
        _check_plain_text(errs, key, value, max_len, label)
        out[key] = value

    phone = _text(data, "contact_phone")
    if phone and not _PHONE.match(phone):
        errs.add("contact_phone", _("Enter a phone number of digits (with an optional leading +)."), "invalid_phone")
    out["contact_phone"] = phone

    email = _text(data, "contact_email")
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errs.add("contact_email", _("Enter a valid e-mail address."), "invalid_email")
    out["contact_email"] = email

    province = _region(_text(data, "province"))
    if province is None or province.level != "province":
        errs.add("province", _("Unknown province code “%(c)s”.") % {"c": _text(data, "province")} if _text(data, "province") else _("A province is required."), "unknown_region" if _text(data, "province") else "required")
    out["province"] = province
    city_code = _text(data, "city")
    city = _region(city_code)
    if city_code and (city is None or city.level != "city"):
        errs.add("city", _("Unknown city code “%(c)s”.") % {"c": city_code}, "unknown_region")
    elif city and province and city.parent_id != province.code:
        errs.add("city", _("%(city)s is not in %(prov)s.") % {"city": city.name, "prov": province.name}, "region_mismatch")
    out["city"] = city

    industry_code = _text(data, "industry")
    industry = Industry.objects.filter(code=industry_code).first() if industry_code else None
    if industry_code and industry is None:
        errs.add("industry", _("Unknown industry code “%(c)s”.") % {"c": industry_code}, "unknown_industry")
    out["industry"] = industry

    errs.raise_if_any()

    if out["uscc"]:
        dup = Subject.objects.filter(uscc=out["uscc"])
        if existing:
            dup = dup.exclude(pk=existing.pk)
        other = dup.first()
        if other:
            raise Conflict(
                _("A subject with code %(code)s already exists: %(name)s (#%(id)d).")
                % {"code": out["uscc"], "name": other.name, "id": other.pk},
                field="uscc",
                code="duplicate_uscc",
                details={"existing_id": other.pk, "existing_url": f"/s/{other.pk}"},
            )
    return out


def snapshot(subject: Subject) -> dict[str, Any]:
    """The audited view of a subject: the identity number only masked."""
    return {
        "kind": subject.kind,
        "name": subject.name,
        "uscc": subject.uscc,
        "id_number": subject.id_number_masked or None,
        "legal_representative": subject.legal_representative,
        "address": subject.address,
        "province": subject.province_id,
        "city": subject.city_id,
        "industry": subject.industry_id,
        "contact_name": subject.contact_name,
        "contact_phone": subject.contact_phone,
        "contact_email": subject.contact_email,
        "status": subject.status,
    }


def _apply(subject: Subject, cleaned: dict[str, Any]) -> None:
    for key in ("kind", "name", "uscc", "legal_representative", "address", "province", "city",
                "industry", "contact_name", "contact_phone", "contact_email"):
        setattr(subject, key, cleaned[key])
    if cleaned.get("id_number"):
        subject.id_number_enc = pii.encrypt(cleaned["id_number"], context=ID_CONTEXT)
        subject.id_number_hash = pii.blind_index(cleaned["id_number"], context=ID_CONTEXT)
        subject.id_number_masked = pii.mask_id_number(cleaned["id_number"])
    subject.name_key = name_key(subject.name)


def refresh_search_text(subject: Subject) -> None:
    """Set `search_text` (name key, code, live sites) and its indexed form
    `search_grams`. The only place either is computed: every writer calls it."""
    domains = " ".join(
        name_key(s.url.split("://", 1)[-1] if s.kind == SiteKind.SHOP else s.domain)
        for s in subject.sites.all()
        if s.removed_at is None
    ) if subject.pk else ""
    subject.search_text = " ".join(
        x for x in (subject.name_key, (subject.uscc or "").lower(), domains) if x
    )
    subject.search_grams = search_grams(subject.search_text)


def _store_search_text(subject: Subject) -> None:
    """Recompute and store the search columns of a subject whose sites changed."""
    refresh_search_text(subject)
    Subject.objects.filter(pk=subject.pk).update(
        search_text=subject.search_text, search_grams=subject.search_grams, updated_at=clock.now()
    )


@transaction.atomic
def create_subject(*, actor: Any, data: dict[str, Any], reason: str = "", own: bool = False) -> Subject:
    """Register a subject. Staff register any; with `own=True` a member
    registers the subject it applies for (it is then linked to the account)."""
    if actor is not None:
        check(actor, "registry.register_own" if own else "registry.edit")
    cleaned = clean_subject_data(data)
    now = clock.now()
    subject = Subject(created_at=now, updated_at=now)
    _apply(subject, cleaned)
    refresh_search_text(subject)
    subject.save()
    audit.record(actor=actor, action="subject.create", obj=subject, after=snapshot(subject), reason=reason)
    if own:
        from chengxin.accounts.services import grant_subject_access

        grant_subject_access(actor=actor, user=actor, subject=subject, reason="registered by the applicant")
    return subject


@transaction.atomic
def update_subject(*, actor: Any, subject: Subject, data: dict[str, Any], reason: str) -> Subject:
    """Update a subject. `data` may be partial: missing keys keep their value."""
    check(actor, "registry.edit")
    subject = Subject.objects.select_for_update().get(pk=subject.pk)
    if not reason.strip():
        raise ValidationFailed(_("Say why the record is changed."), field="reason", code="required")
    before = snapshot(subject)
    merged = {
        "kind": subject.kind, "name": subject.name, "uscc": subject.uscc or "",
        "legal_representative": subject.legal_representative, "address": subject.address,
        "province": subject.province_id, "city": subject.city_id or "",
        "industry": subject.industry_id or "", "contact_name": subject.contact_name,
        "contact_phone": subject.contact_phone, "contact_email": subject.contact_email,
    }
    merged.update({k: v for k, v in data.items() if k in EDITABLE_FIELDS})
    cleaned = clean_subject_data(merged, existing=subject)
    _apply(subject, cleaned)
    after = snapshot(subject)
    if after == before and not cleaned.get("id_number"):
        return subject
    subject.updated_at = clock.now()
    refresh_search_text(subject)
    subject.save()
    changed_before = {k: v for k, v in before.items() if after.get(k) != v or k == "id_number" and cleaned.get("id_number")}
    changed_after = {k: after[k] for k in changed_before}
    audit.record(actor=actor, action="subject.update", obj=subject, before=changed_before, after=changed_after, reason=reason)
    return subject


@transaction.atomic
def mark_departed(*, actor: Any, subject: Subject, reason: str) -> Subject:
    check(actor, "registry.edit")
    if subject.status == SubjectStatus.DEPARTED:
        raise Conflict(_("This subject has already left."), code="already_departed")
    before = {"status": subject.status}
    now = clock.now()
    subject.status = SubjectStatus.DEPARTED
    subject.departed_at = now
    subject.retain_until = (now + dt.timedelta(days=RETENTION_DAYS)).date()
    subject.updated_at = now
    subject.save(update_fields=["status", "departed_at", "retain_until", "updated_at"])
    audit.record(actor=actor, action="subject.depart", obj=subject, before=before,
                 after={"status": subject.status, "retain_until": subject.retain_until}, reason=reason)
    return subject


def reveal_id_number(*, actor: Any, subject: Subject, reason: str = "") -> str:
    """The full identity number, for roles allowed to see it. Every reveal is
    written to the audit trail."""
    check(actor, "registry.view_pii")
    if not subject.id_number_enc:
        return ""
    value = pii.decrypt(subject.id_number_enc, context=ID_CONTEXT)
    audit.record(actor=actor, action="subject.pii_view", obj=subject, after={"field": "id_number"}, reason=reason or "viewed on the staff page")
    return value


def get_subject(pk: int | str) -> Subject:
    try:
        pk_int = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_("No subject with id %(id)s.") % {"id": pk}) from None
    subject = Subject.objects.select_related("province", "city", "industry").filter(pk=pk_int).first()
    if subject is None:
        raise NotFound(_("No subject with id %(id)s.") % {"id": pk})
    return subject


# --- public view ----------------------------------------------------------

def live_sites_by_subject(subject_ids: list[int]) -> dict[int, list[Site]]:
    """The live (not removed) sites of these subjects, in one query: what
    public_view(subject, sites=...) takes for a list of subjects (cheaper than
    prefetch_related, which builds a queryset per subject)."""
    out: dict[int, list[Site]] = {}
    if subject_ids:
        for site in Site.objects.filter(subject_id__in=subject_ids, removed_at__isnull=True).order_by("id"):
            out.setdefault(site.subject_id, []).append(site)
    return out


def public_view(subject: Subject, sites: list[Site] | None = None) -> dict[str, Any]:
    """What anyone may see. Natural persons' personal data (identity number,
    full name of the representative, contacts) never appears here. `sites`:
    the subject's live sites when already read (live_sites_by_subject)."""
    natural = subject.is_natural_person
    now = clock.now()
    live = [s for s in (subject.sites.all() if sites is None else sites) if s.removed_at is None]
    verified = [s.is_verified(now) for s in live]
    return {
        "id": subject.pk,
        "kind": subject.kind,
        "name": subject.name,
        "uscc": subject.uscc,
        "legal_representative": (
            pii.mask_person_name(subject.legal_representative) if natural else subject.legal_representative
        ),
        "address": "" if natural else subject.address,
        "province": subject.province_id,
        "province_name": subject.province.label,
        "city": subject.city_id,
        "city_name": subject.city.label if subject.city else None,
        "industry": subject.industry_id,
        "industry_name": subject.industry.label if subject.industry else None,
        "status": subject.status,
        "registered_at": subject.created_at,
        "sites": [
            {
                "kind": s.kind,
                "domain": s.domain,
                "url": s.url or None,
                "platform": s.platform or None,
                "name": s.name or None,
                "verified": ok,
                "verified_at": s.verified_at if ok else None,
                "verified_until": s.verified_until if ok else None,
                "verified_method": s.verified_method or None,
            }
            for s, ok in zip(live, verified, strict=True)
        ],
    }


def staff_view(subject: Subject, viewer: Any) -> dict[str, Any]:
    data = public_view(subject)
    data.update(
        legal_representative=subject.legal_representative,
        address=subject.address,
        contact_name=subject.contact_name,
        contact_phone=subject.contact_phone,
        contact_email=subject.contact_email,
        id_number_masked=subject.id_number_masked or None,
        can_view_pii=has_perm(viewer, "registry.view_pii"),
    )
    return data


# --- sites ----------------------------------------------------------------

def _site_snapshot(site: Site) -> dict[str, Any]:
    return {
        "subject": site.subject_id, "kind": site.kind, "domain": site.domain, "url": site.url,
        "platform": site.platform, "name": site.name, "verified_until": site.verified_until,
        "verified_method": site.verified_method, "removed": site.removed_at is not None,
    }


def _may_manage_sites(actor: Any, subject: Subject) -> None:
    from chengxin.accounts.services import acts_for

    if has_perm(actor, "registry.edit"):
        return
    check(actor, "registry.verify_site")
    if not acts_for(actor, subject):
        from chengxin.core.errors import PermissionDenied

        raise PermissionDenied(_("You do not act for this subject."))


@transaction.atomic
def add_site(
    *, actor: Any, subject: Subject, kind: str, address: str, platform: str = "", name: str = "",
    reason: str = "",
) -> Site:
    if actor is not None:
        _may_manage_sites(actor, subject)
    errs = FieldErrors()
    if kind not in SiteKind.values:
        errs.add("kind", _("Choose a kind: %(k)s.") % {"k": ", ".join(SiteKind.values)}, "invalid_choice")
    url = ""
    domain = ""
    try:
        domain = normalize_domain(address)
    except DomainError:
        errs.add("address", _("“%(a)s” is not a domain name or web address.") % {"a": address[:100]}, "invalid_domain")
    if kind == SiteKind.SHOP:
        url = address.strip()
        if "://" not in url:
            url = "https://" + url
        try:
            URLValidator(schemes=["http", "https"])(url)
        except DjangoValidationError:
            errs.add("address", _("Enter the full address of the shop page."), "invalid_url")
        if not platform.strip():
            errs.add("platform", _("Say which platform the shop is on."), "required")
    _check_plain_text(errs, "platform", platform.strip(), 100, _("The platform"))
    _check_plain_text(errs, "name", name.strip(), 200, _("The name"))
    errs.raise_if_any()
    live = subject.sites.filter(removed_at__isnull=True)
    if (kind == SiteKind.DOMAIN and live.filter(kind=kind, domain=domain).exists()) or (
        kind == SiteKind.SHOP and live.filter(kind=kind, url=url).exists()
    ):
        raise Conflict(_("This site is already listed for the subject."), field="address", code="duplicate_site")
    site = Site.objects.create(
        subject=subject, kind=kind, domain=domain, url=url, platform=platform.strip(),
        name=name.strip(), token=secrets.token_urlsafe(24), created_at=clock.now(),
    )
    _store_search_text(subject)
    audit.record(actor=actor, action="site.add", obj=site, after=_site_snapshot(site), reason=reason)
    return site


@transaction.atomic
def remove_site(*, actor: Any, site: Site, reason: str) -> Site:
    _may_manage_sites(actor, site.subject)
    if site.removed_at is not None:
        return site
    before = _site_snapshot(site)
    site.removed_at = clock.now()
    site.save(update_fields=["removed_at"])
    subject = site.subject
    _store_search_text(subject)
    audit.record(actor=actor, action="site.remove", obj=site, before=before, after=_site_snapshot(site), reason=reason)
    return site


def verify_site(*, actor: Any, site: Site, method: str) -> SiteCheck:
    """Check the ownership proof now. A success marks the site verified for
    a year (re-verification after that); every attempt is recorded."""
    _may_manage_sites(actor, site.subject)
    if method not in VerificationMethod.values:
        raise ValidationFailed(_("Unknown verification method."), field="method", code="invalid_choice")
    if site.removed_at is not None:
        raise Conflict(_("This site has been removed."), code="site_removed")
    if site.kind == SiteKind.SHOP and method != VerificationMethod.PAGE:
        raise ValidationFailed(_("A shop is verified by the token on its page."), field="method", code="invalid_choice")
    if site.kind == SiteKind.DOMAIN and method == VerificationMethod.PAGE:
        raise ValidationFailed(_("A website is verified by DNS or by the well-known file."), field="method", code="invalid_choice")
    # The network check runs outside any transaction.
    if method == VerificationMethod.DNS:
        outcome = ownership.check_dns(site.domain, site.token)
    elif method == VerificationMethod.HTTP:
        outcome = ownership.check_http(site.domain, site.token)
    else:
        outcome = ownership.check_page(site.url, site.token)
    with transaction.atomic():
        site = Site.objects.select_for_update().get(pk=site.pk)
        now = clock.now()
        record = SiteCheck.objects.create(site=site, method=method, at=now, success=outcome.success, detail=outcome.detail[:2000])
        before = _site_snapshot(site)
        site.last_check_at = now
        site.last_check_error = "" if outcome.success else outcome.detail[:2000]
        if outcome.success:
            site.verified_at = now
            site.verified_method = method
            site.verified_until = now + dt.timedelta(days=settings.CHENGXIN_SITE_VERIFICATION_DAYS)
        site.save()
        if outcome.success:
            audit.record(actor=actor, action="site.verify", obj=site, before=before,
                         after=_site_snapshot(site), reason=outcome.detail[:500])
            credit_hooks.site_verified(site, actor=actor)
    return record
