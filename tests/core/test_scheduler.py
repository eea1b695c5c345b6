import pytest
from django.tasks import default_task_backend

from chengxin.core import scheduler
from chengxin.core.tasks import prune_task_results


def test_periodic_jobs_enqueue(db):
    default_task_backend.clear()
    for job in scheduler.periodic_jobs():
        job.enqueue()
    names = {r.task.name for r in default_task_backend.results}
    assert {"deliver_outbox", "expire_site_verifications", "prune_task_results"} <= names


@pytest.mark.django_db
def test_prune_removes_old_finished_task_rows(settings):
    import datetime as dt

    from django.tasks import task_backends
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from chengxin.core.tasks import deliver_outbox

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    assert type(task_backends["default"]).__name__ == "DatabaseBackend"
    result = deliver_outbox.enqueue()
    DBTaskResult.objects.filter(id=result.id).update(status="SUCCESSFUL", finished_at=timezone.now() - dt.timedelta(days=8))
    prune_task_results.call()
    assert not DBTaskResult.objects.filter(id=result.id).exists()
