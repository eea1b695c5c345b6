from __future__ import annotations

from django.tasks import task


@task()
def credit_sweep() -> int:
    """Recompute the subjects whose records changed (within a minute of the
    event); once a day, all of them, because weights change with age."""
    from . import grading

    n = grading.run_pending()
    if grading.daily_due():
        n += grading.recompute()["subjects"]
    return n


@task()
def recompute_all() -> int:
    from . import grading

    return int(grading.recompute()["subjects"])
