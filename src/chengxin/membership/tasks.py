from __future__ import annotations

from django.tasks import task

from . import sweeps


@task()
def membership_sweep() -> dict[str, int]:
    result = sweeps.remind_and_expire()
    result["overdue_flagged"] = sweeps.flag_overdue_reviews()
    return result
