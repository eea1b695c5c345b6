from __future__ import annotations

from django.tasks import task

from . import outbox


@task()
def deliver_outbox() -> int:
    return outbox.deliver_due()


@task()
def prune_task_results() -> None:
    """Finished task rows older than a week are removed; failed ones after 30 days."""
    from django.core.management import call_command
    from django.tasks import task_backends
    from django_tasks_db import DatabaseBackend

    if not isinstance(task_backends["default"], DatabaseBackend):
        return  # another backend keeps (or prunes) its own results
    call_command("prune_db_task_results", min_age_days=7, failed_min_age_days=30, verbosity=0)
