"""Every page view and every API endpoint declares the permission it needs."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

from chengxin.api import api
from chengxin.core.api import Access
from chengxin.core.permissions import PERMISSIONS, Role, has_perm

EXEMPT_PREFIXES = ("admin/",)  # Django admin has its own staff checks


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def test_every_page_view_declares_a_permission():
    missing = []
    for route, view in _walk(get_resolver().url_patterns):
        if route.startswith(EXEMPT_PREFIXES) or route.startswith("api/v1/"):
            continue
        if not hasattr(view, "chengxin_permission"):
            missing.append(route)
    assert not missing, f"views without @requires: {missing}"


def test_every_api_operation_declares_access():
    missing = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                if not op.auth_callbacks or not all(isinstance(a, Access) for a in op.auth_callbacks):
                    missing.append((path, op.methods))
    assert not missing, f"API operations without Access(...): {missing}"


def test_unknown_permission_is_an_error():
    import pytest

    with pytest.raises(ValueError):
        has_perm(None, "registry.typo")


def test_role_table_has_no_public_writes():
    for perm in ("registry.edit", "registry.view_pii", "accounts.manage_tokens", "registry.import"):
        assert Role.CONSUMER not in PERMISSIONS[perm]
        assert Role.MEMBER not in PERMISSIONS[perm]
