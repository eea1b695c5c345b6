"""Shared API machinery: authentication with a declared permission, error
rendering with stable codes, and one pagination scheme for every list."""

from __future__ import annotations

import math
from typing import Any, Generic, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security.http import HttpAuthBase
from ninja.utils import check_csrf

from .errors import ChengxinError, NotAuthenticated, PermissionDenied
from .permissions import AUTHENTICATED, EVERYONE, PERMISSIONS, has_perm, user_roles


class _Anonymous(AnonymousUser):
    def __bool__(self) -> bool:  # truthy so Ninja accepts the public call
        return True


class Access(HttpAuthBase):
    """`auth=Access("registry.edit")`: bearer token (`Authorization: Bearer
    cx_...`) or the browser session (with CSRF for unsafe methods); the user
    must hold the permission. Public endpoints use `Access("public")`."""

    openapi_scheme = "bearer"

    def __init__(self, permission: str) -> None:
        if permission not in (EVERYONE, AUTHENTICATED) and permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}")
        self.permission = permission
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any:
        from chengxin.accounts.services import authenticate_token

        user: Any = None
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _sep, raw = header.partition(" ")
            if scheme.lower() != "bearer" or not raw.strip():
                raise NotAuthenticated(_("Use “Authorization: Bearer <token>”."))
            user = authenticate_token(raw.strip())
            if user is None:
                raise NotAuthenticated(_("The API token is not valid, expired or revoked."))
        elif getattr(request, "user", None) is not None and request.user.is_authenticated:
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                if check_csrf(request) is not None:
                    raise PermissionDenied(_("CSRF check failed."))
            user = request.user
        request.user = user or AnonymousUser()
        if has_perm(user, self.permission):
            return user or _Anonymous()
        if not user_roles(user):
            raise NotAuthenticated(_("Authentication is required."))
        raise PermissionDenied(_("You do not have permission to do this."))


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    details: dict[str, Any] | None = None
    errors: list[dict[str, Any]] | None = None


ERROR_RESPONSES: dict[int, type[Schema]] = {
    400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut,
}

T = TypeVar("T")


class Page(Schema, Generic[T]):
    items: list[T]
    count: int
    page: int
    page_size: int
    pages: int


MAX_PAGE_SIZE = 100


def paginate(qs: QuerySet[Any] | list[Any], *, page: int, page_size: int) -> dict[str, Any]:
    from .errors import ValidationFailed

    if page < 1:
        raise ValidationFailed(_("page starts at 1."), field="page", code="invalid_page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationFailed(
            _("page_size must be between 1 and %(n)d.") % {"n": MAX_PAGE_SIZE},
            field="page_size", code="invalid_page_size",
        )
    count = qs.count() if isinstance(qs, QuerySet) else len(qs)
    start = (page - 1) * page_size
    items = list(qs[start : start + page_size]) if start < count else []
    return {
        "items": items, "count": count, "page": page, "page_size": page_size,
        "pages": max(1, math.ceil(count / page_size)),
    }


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ChengxinError)
    def _domain(request: HttpRequest, exc: ChengxinError) -> HttpResponse:
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(NinjaValidationError)
    def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = []
        for err in exc.errors:
            loc = [str(x) for x in err.get("loc", []) if x not in ("body", "query", "path", "payload")]
            errors.append({"field": ".".join(loc) or None, "code": err.get("type", "invalid"), "message": err.get("msg", "")})
        first = errors[0] if errors else {"field": None, "message": _("Invalid input.")}
        body = {"code": "invalid", "message": first["message"], "field": first["field"], "errors": errors}
        return api.create_response(request, body, status=422)

    @api.exception_handler(AuthenticationError)
    def _auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(request, {"code": "not_authenticated", "message": _("Authentication is required.")}, status=401)

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return api.create_response(request, {"code": "http_error", "message": str(exc)}, status=exc.status_code)
