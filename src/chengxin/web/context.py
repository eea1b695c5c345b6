from __future__ import annotations

from pathlib import Path
from typing import Any

from django.http import HttpRequest

from chengxin.core.permissions import has_perm, user_roles

_HTMX = (Path(__file__).resolve().parent / "static" / "vendor" / "htmx.min.js").exists()


def chengxin(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    roles = user_roles(user)
    return {
        "roles": {r.value for r in roles},
        "is_staff_role": has_perm(user, "registry.view_staff"),
        "can_manage_tokens": has_perm(user, "accounts.manage_tokens"),
        "can_edit_registry": has_perm(user, "registry.edit"),
        "htmx_available": _HTMX,
    }
