"""Roles and permissions: the one place that says who may do what.

Every page view and API endpoint declares the permission it needs with
`@requires(...)` (views) or `auth=api_auth("...")` (API). A test walks the URL
configuration and fails on any view that declares nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

from django.utils.translation import gettext_lazy as _

from .errors import NotAuthenticated, PermissionDenied


class Role(StrEnum):
    CONSUMER = "consumer"
    MEMBER = "member"
    REVIEWER = "reviewer"
    MEDIATOR = "mediator"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.CONSUMER: _("Consumer"),
    Role.MEMBER: _("Member"),
    Role.REVIEWER: _("Reviewer"),
    Role.MEDIATOR: _("Mediator"),
    Role.ADMIN: _("Administrator"),
}

STAFF_ROLES = frozenset({Role.REVIEWER, Role.MEDIATOR, Role.ADMIN})
EVERYONE = "public"
AUTHENTICATED = "authenticated"

# permission -> roles that hold it. "public" needs nothing; "authenticated"
# needs any logged-in user. Object-level rules (a member acting for its own
# subject) are checked by the services on top of this.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "registry.view": frozenset(Role),
    "registry.view_staff": STAFF_ROLES,
    "registry.view_pii": frozenset({Role.ADMIN, Role.REVIEWER}),
    "registry.edit": frozenset({Role.ADMIN, Role.REVIEWER}),
    "registry.import": frozenset({Role.ADMIN, Role.REVIEWER}),
    "registry.export": STAFF_ROLES,
    "registry.verify_site": frozenset({Role.ADMIN, Role.REVIEWER, Role.MEMBER}),
    "registry.edit_own": frozenset({Role.MEMBER}),
    "registry.register_own": frozenset({Role.MEMBER}),
    "audit.view": STAFF_ROLES,
    "lists.edit": frozenset({Role.ADMIN, Role.REVIEWER}),
    "membership.apply": frozenset({Role.MEMBER}),
    "membership.review": frozenset({Role.ADMIN, Role.REVIEWER}),
    "membership.fees": frozenset({Role.ADMIN}),
    "membership.manage": frozenset({Role.ADMIN}),
    "membership.view_staff": STAFF_ROLES,
    "accounts.manage_tokens": frozenset({Role.ADMIN}),
    "accounts.manage_users": frozenset({Role.ADMIN}),
    "calendar.edit": frozenset({Role.ADMIN, Role.REVIEWER}),
    "certs.manage": frozenset({Role.ADMIN, Role.REVIEWER}),
    "certs.view_staff": STAFF_ROLES,
    "certs.embed": frozenset({Role.MEMBER}),
    "complaints.file": frozenset({Role.CONSUMER}),
    "complaints.respond": frozenset({Role.MEMBER}),
    "complaints.handle": frozenset({Role.ADMIN, Role.REVIEWER}),
    "complaints.mediate": frozenset({Role.MEDIATOR}),
    "complaints.view_staff": STAFF_ROLES,
    "credit.enter": frozenset({Role.ADMIN, Role.REVIEWER}),
    "credit.policy": frozenset({Role.ADMIN}),
    "credit.publish": frozenset({Role.ADMIN, Role.REVIEWER}),
    "credit.view_staff": STAFF_ROLES,
    "credit.view_members": frozenset({Role.MEMBER}),
}


def user_roles(user: Any) -> frozenset[Role]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    roles = {Role(user.role)} if getattr(user, "role", None) else set()
    if getattr(user, "is_superuser", False):
        roles.add(Role.ADMIN)
    return frozenset(roles)


def has_perm(user: Any, perm: str) -> bool:
    if perm == EVERYONE:
        return True
    if perm == AUTHENTICATED:
        return bool(user_roles(user))
    try:
        allowed = PERMISSIONS[perm]
    except KeyError:  # a typo must not open a door
        raise ValueError(f"unknown permission {perm!r}") from None
    return bool(user_roles(user) & allowed)


def check(user: Any, perm: str) -> None:
    """Raise NotAuthenticated / PermissionDenied unless `user` holds `perm`."""
    if has_perm(user, perm):
        return
    if not user_roles(user):
        raise NotAuthenticated(_("Please log in to continue."))
    raise PermissionDenied(_("You do not have permission to do this."))


F = TypeVar("F", bound=Callable[..., Any])


def requires(perm: str) -> Callable[[F], F]:
    """Decorate a page view with the permission it needs."""
    if perm not in (EVERYONE, AUTHENTICATED) and perm not in PERMISSIONS:
        raise ValueError(f"unknown permission {perm!r}")

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
            check(request.user, perm)
            return view(request, *args, **kwargs)

        wrapper.chengxin_permission = perm  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
