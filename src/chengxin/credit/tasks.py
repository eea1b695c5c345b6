from __future__ import annotations

from django.tasks import task


@task()
def credit_sweep() -> int:
    """Recompute the subjects whose records changed (within a minute of the
    event); once a day, all of them, because weights change with age."""
    from . import services

    n = services.run_pending()
    if services.daily_due():
        n += services.recompute()["subjects"]
    return n


@task()
def recompute_all() -> int:
    from . import services

    return int(services.recompute()["subjects"])
