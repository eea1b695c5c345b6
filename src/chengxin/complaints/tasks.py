from __future__ import annotations

from django.tasks import task

from . import sweeps


@task()
def complaint_sweep() -> dict[str, int]:
    return sweeps.run()


@task()
def complaint_staff_alert() -> int:
    return sweeps.alert_staff()
