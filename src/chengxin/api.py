"""The versioned JSON API at /api/v1/ (OpenAPI at /api/v1/openapi.json)."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from chengxin.accounts.api import router as accounts_router
from chengxin.certs.api import router as certs_router
from chengxin.complaints.api import router as complaints_router
from chengxin.core.api import install_error_handlers
from chengxin.credit.api import router as credit_router
from chengxin.credit.api_rankings import router as rankings_router
from chengxin.ledger.api import router as ledger_router
from chengxin.membership.api import router as membership_router
from chengxin.registry.api import router as registry_router
from chengxin.reports.api import router as reports_router


class Utf8JSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # noqa: RUF012


api = NinjaAPI(
    renderer=Utf8JSONRenderer(),
    title="chengxin API",
    version="1",
    description=(
        "Integrity information about e-commerce subjects. Errors are JSON objects with a "
        "stable `code`, the `field` concerned and a human `message`. Lists take `page` and "
        "`page_size` (at most 100) and answer with `items`, `count`, `page`, `page_size`, `pages`. "
        "Authenticate with `Authorization: Bearer <token>`."
    ),
    urls_namespace="api-v1",
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("/", registry_router)
api.add_router("/", accounts_router)
api.add_router("/", ledger_router)
api.add_router("/", membership_router)
api.add_router("/", certs_router)
api.add_router("/", complaints_router)
api.add_router("/", reports_router)
api.add_router("/", credit_router)
api.add_router("/", rankings_router)
