from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from chengxin.core.api import ERROR_RESPONSES, Access
from chengxin.core.errors import NotFound
from chengxin.core.permissions import user_roles

from . import services
from .models import ApiToken, User

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    roles: list[str]
    subjects: list[int]


class TokenOut(Schema):
    id: int
    name: str
    user: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None


class TokenIn(Schema):
    name: str = Field(..., max_length=100)
    username: str = Field(..., max_length=150)
    expires_at: dt.datetime | None = None


class TokenCreatedOut(TokenOut):
    token: str


def _token(t: ApiToken) -> dict[str, Any]:
    return {
        "id": t.pk, "name": t.name, "user": t.user.username, "prefix": t.prefix,
        "created_at": t.created_at, "expires_at": t.expires_at, "revoked_at": t.revoked_at,
        "last_used_at": t.last_used_at,
    }


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES}, auth=Access("authenticated"))
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "username": user.get_username(),
        "roles": sorted(r.value for r in user_roles(user)),
        "subjects": list(user.subjects.values_list("pk", flat=True)),  # type: ignore[union-attr]
    }


@router.get("/tokens", response={200: list[TokenOut], **ERROR_RESPONSES}, auth=Access("accounts.manage_tokens"))
def list_tokens(request: HttpRequest) -> list[dict[str, Any]]:
    return [_token(t) for t in ApiToken.objects.select_related("user").order_by("-created_at")]


@router.post("/tokens", response={201: TokenCreatedOut, **ERROR_RESPONSES}, auth=Access("accounts.manage_tokens"))
def create_token(request: HttpRequest, payload: TokenIn) -> tuple[int, dict[str, Any]]:
    owner = User.objects.filter(username=payload.username).first()
    if owner is None:
        raise NotFound("No such user.", field="username")
    token, plaintext = services.create_token(actor=request.user, user=owner, name=payload.name, expires_at=payload.expires_at)  # type: ignore[arg-type]
    return 201, {**_token(token), "token": plaintext}


@router.post("/tokens/{token_id}/revoke", response={200: TokenOut, **ERROR_RESPONSES}, auth=Access("accounts.manage_tokens"))
def revoke_token(request: HttpRequest, token_id: int) -> dict[str, Any]:
    token = services.revoke_token(actor=request.user, token=services.get_token(token_id))  # type: ignore[arg-type]
    return _token(token)
