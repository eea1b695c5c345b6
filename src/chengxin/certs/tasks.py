from __future__ import annotations

from typing import Any

from django.tasks import task


@task()
def certificate_sweep() -> dict[str, Any]:
    """Expire certificates past their validity; rewrite artifacts whose file
    is behind the record. Idempotent."""
    from . import services

    return {"expired": services.expire_due(), **services.publish_pending()}
