"""Accounts: users and roles, member access to subjects, login throttling,
API tokens. All writes go through here."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from chengxin.core import clock
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
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or token.revoked_at is not None:
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

    Notification.objects.create(user=user, text=text[:500], url=url[:300], created_at=clock.now())
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
