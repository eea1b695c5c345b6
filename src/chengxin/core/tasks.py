from __future__ import annotations

from django.tasks import task

from . import outbox


@task()
def deliver_outbox() -> int:
    return outbox.deliver_due()
