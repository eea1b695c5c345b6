from __future__ import annotations

from django.tasks import task

from . import sweeps


@task()
def expire_site_verifications() -> int:
    return sweeps.expire_site_verifications()
