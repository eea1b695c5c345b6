"""Accounts: users and roles, member access to subjects, login throttling,
API tokens. All writes go through here."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from chengxin.core import clock, fastsql
from chengxin.core.errors import Conflict, NotFound, Throttled, ValidationFailed
from chengxin.core.permissions import Role, check
from chengxin.ledger import services as audit

from .models import ApiToken, LoginAttempt, SubjectAccess, User

TOKEN_PREFIX = "cx_"


def _user_snapshot(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": user.role,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
    }


@transaction.atomic
def create_user(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    role: Role | str = Role.CONSUMER,
    email: str = "",
    display_name: str = "",
    phone: str = "",
    validate: bool = True,
) -> User:
    role = Role(role)
    if actor is not None and role != Role.CONSUMER:
        # Staff and member accounts are created by administrators; actor=None
        # is the system itself (CLI `createadmin`, demo data).
        check(actor, "accounts.manage_users")
    username = username.strip()
    if not username:
        raise ValidationFailed(_("A username is required."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("The username %(u)s is taken.") % {"u": username}, field="username")
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ValidationFailed(_("Enter a valid e-mail address."), field="email") from None
    user = User(
        username=username,
        email=email,
        role=role.value,
        display_name=display_name,
        phone=phone,
        is_staff=role in (Role.ADMIN,),
        is_superuser=role == Role.ADMIN,
    )
    if password is None:
        user.set_unusable_password()
    else:
        if validate:
            try:
                validate_password(password, user)
            except DjangoValidationError as exc:
                raise ValidationFailed(" ".join(exc.messages), field="password") from None
        user.set_password(password)
    user.save()
    audit.record(actor=actor, action="user.create", obj=user, after=_user_snapshot(user))
    return user


@transaction.atomic
def set_role(*, actor: User, user: User, role: Role | str, reason: str) -> User:
    check(actor, "accounts.manage_users")
    before = _user_snapshot(user)
    user.role = Role(role).value
    user.is_staff = user.role == Role.ADMIN
    user.is_superuser = user.role == Role.ADMIN
    user.save(update_fields=["role", "is_staff", "is_superuser"])
    audit.record(
        actor=actor, action="user.role", obj=user, before=before, after=_user_snapshot(user),
        reason=reason,
    )
    return user


@transaction.atomic
def grant_subject_access(*, actor: User | None, user: User, subject: Any, reason: str = "") -> None:
    if user.role != Role.MEMBER:
        raise ValidationFailed(_("Only member accounts can act for a subject."), field="user")
    _access, created = SubjectAccess.objects.get_or_create(
        user=user, subject=subject, defaults={"granted_at": clock.now(), "granted_by": actor}
    )
    if created:
        audit.record(
            actor=actor, action="subject.access_grant", obj=subject,
            after={"user": user.username}, reason=reason,
        )


def acts_for(user: Any, subject: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return SubjectAccess.objects.filter(user=user, subject=subject).exists()


# --- login throttling -------------------------------------------------------

def _window_start() -> dt.datetime:
    return clock.now() - dt.timedelta(seconds=settings.CHENGXIN_LOGIN_WINDOW_SECONDS)


def check_login_allowed(*, username: str, ip: str) -> None:
    since = _window_start()
    limit = settings.CHENGXIN_LOGIN_MAX_FAILURES
    recent = LoginAttempt.objects.filter(at__gte=since, success=False)
    if (
        recent.filter(username__iexact=username).count() >= limit
        or recent.filter(ip=ip).count() >= limit * 4
    ):
        raise Throttled(
            _("Too many failed log-in attempts. Try again in %(m)d minutes.")
            % {"m": settings.CHENGXIN_LOGIN_WINDOW_SECONDS // 60}
        )


def record_login_attempt(*, username: str, ip: str, success: bool) -> None:
    LoginAttempt.objects.create(username=username[:150], ip=ip[:64], at=clock.now(), success=success)
    if success:
        # A successful log-in clears this user's earlier failures.
        LoginAttempt.objects.filter(username__iexact=username, success=False).delete()


# --- API tokens -------------------------------------------------------------

def _hash_key(secret: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), secret.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def create_token(
    *, actor: User, user: User, name: str, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns it and the plaintext, shown once."""
    check(actor, "accounts.manage_tokens")
    if not name.strip():
        raise ValidationFailed(_("Give the token a name."), field="name")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name.strip()[:100],
        user=user,
        prefix=prefix,
        key_hash=_hash_key(secret),
        created_at=clock.now(),
        created_by=actor,
        expires_at=expires_at,
    )
    audit.record(
        actor=actor, action="token.create", obj=token,
        after={"name": token.name, "user": user.username, "prefix": prefix},
    )
    return token, f"{TOKEN_PREFIX}{prefix}_{secret}"


@transaction.atomic
def revoke_token(*, actor: User, token: ApiToken, reason: str = "") -> ApiToken:
    check(actor, "accounts.manage_tokens")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor, action="token.revoke", obj=token,
            before={"revoked": False}, after={"revoked": True}, reason=reason,
        )
    return token


def authenticate_token(raw: str) -> User | None:
    if not raw.startswith(TOKEN_PREFIX):
        return None
    prefix, _sep, secret = raw[len(TOKEN_PREFIX):].partition("_")
    if not prefix or not secret:
        return None
    # with its user; the SQL built once (fastsql): this runs on every API request
    token = fastsql.select_one(ApiToken, "t.prefix = %s", [prefix], related=("user",))
    if token is None:
        return None
    if token.revoked_at is not None:
        return None
    now = clock.now()
    if token.expires_at and token.expires_at <= now:
        return None
    if not hmac.compare_digest(token.key_hash, _hash_key(secret)):
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def get_token(pk: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=pk).first()
    if token is None:
        raise NotFound(_("No such token."))
    return token


def notify(*, user: User, text: str, url: str = "", email_subject: str | None = None,
           dedupe_key: str | None = None) -> None:
    """An in-app notice and, where the user has an address, an e-mail through
    the outbox. Call inside the transaction of the change it announces."""
    from chengxin.accounts.models import Notification
    from chengxin.core import outbox

    fastsql.insert(Notification(user=user, text=text[:500], url=url[:300], created_at=clock.now()))
    if user.email:
        link = f"{settings.CHENGXIN_BASE_URL}{url}" if url else ""
        outbox.queue_email(
            to=user.email, subject=email_subject or text[:120],
            body=f"{text}\n\n{link}\n" if link else text, dedupe_key=f"{dedupe_key}:{user.pk}" if dedupe_key else None,
        )


def staff_with(perm: str) -> list[User]:
    from chengxin.core.permissions import PERMISSIONS

    roles = [r.value for r in PERMISSIONS[perm]]
    return list(User.objects.filter(is_active=True, role__in=roles))


# --- consumer registration with a one-time code ---------------------------------

_PHONE = re.compile(r"^1[3-9]\d{9}$")


def normalise_destination(raw: str) -> tuple[str, str]:
    """("phone" | "email", normalised value) or ValidationFailed."""
    import unicodedata

    value = unicodedata.normalize("NFKC", raw or "").strip()
    digits = value.replace(" ", "").replace("-", "")
    if digits.startswith("+86"):
        digits = digits[3:]
    if _PHONE.match(digits):
        return "phone", digits
    if "@" in value:
        try:
            validate_email(value)
        except DjangoValidationError:
            pass
        else:
            return "email", value.lower()
    raise ValidationFailed(_("Enter a mainland mobile number (11 digits) or an e-mail address."), field="destination", code="invalid_destination")


def _code_hash(destination: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"otp:{destination}:{code}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def request_code(*, destination: str) -> str:
    """Send a registration code; returns the kind ("phone" or "email")."""
    from chengxin.accounts.models import OneTimeCode
    from chengxin.core import outbox

    kind, dest = normalise_destination(destination)
    now = clock.now()
    recent = OneTimeCode.objects.filter(destination=dest, created_at__gte=now - dt.timedelta(hours=1))
    if recent.count() >= settings.CHENGXIN_OTP_PER_HOUR:
        raise Throttled(_("Too many codes were sent to this address. Try again in an hour."), code="otp_rate")
    if recent.filter(created_at__gte=now - dt.timedelta(seconds=60)).exists():
        raise Throttled(_("A code was sent less than a minute ago. Please wait before asking for another."), code="otp_wait")
    code = f"{secrets.randbelow(10**6):06d}"
    OneTimeCode.objects.create(destination=dest, code_hash=_code_hash(dest, code), created_at=now,
                               expires_at=now + dt.timedelta(seconds=settings.CHENGXIN_OTP_TTL_SECONDS))
    text = _("Your chengxin code is %(code)s. It is valid for %(m)d minutes. Do not give it to anyone.") % {
        "code": code, "m": settings.CHENGXIN_OTP_TTL_SECONDS // 60}
    if kind == "phone":
        outbox.queue_sms(to=dest, body=text)
    else:
        outbox.queue_email(to=dest, subject=_("Your chengxin code"), body=text)
    return kind


def register_consumer(*, destination: str, code: str, display_name: str, password: str) -> User:
    """Create a consumer account for a phone number or e-mail address proven
    with a one-time code; the number or address is the user name."""
    from chengxin.accounts.models import OneTimeCode

    kind, dest = normalise_destination(destination)
    name = (display_name or "").strip()
    if not name or "<" in name or ">" in name or len(name) > 50:
        raise ValidationFailed(_("Enter your name (at most 50 characters, no HTML)."), field="display_name", code="invalid_name")
    now = clock.now()
    with transaction.atomic():
        otp = (OneTimeCode.objects.select_for_update().filter(destination=dest, used_at__isnull=True, expires_at__gt=now)
               .order_by("-created_at").first())
        if otp is None:
            raise ValidationFailed(_("No valid code for this address: ask for a new one."), field="code", code="otp_missing")
        if otp.attempts >= 5:
            raise Throttled(_("Too many wrong codes. Ask for a new one."), code="otp_attempts")
        ok = hmac.compare_digest(otp.code_hash, _code_hash(dest, (code or "").strip()))
        if not ok:  # counted (committed) before the error is raised
            OneTimeCode.objects.filter(pk=otp.pk).update(attempts=otp.attempts + 1)
    if not ok:
        raise ValidationFailed(_("The code is not correct."), field="code", code="otp_wrong")
    with transaction.atomic():
        if OneTimeCode.objects.filter(pk=otp.pk, used_at__isnull=True).update(used_at=now) != 1:
            raise ValidationFailed(_("No valid code for this address: ask for a new one."), field="code", code="otp_missing")
        return create_user(actor=None, username=dest, password=password, role=Role.CONSUMER,
                           email=dest if kind == "email" else "", phone=dest if kind == "phone" else "", display_name=name)
