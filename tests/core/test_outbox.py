"""The outbox: messages written in the transaction of the change, a delivery
kick after the commit (one per transaction, none while a delivery task is
still waiting), delivery in batches."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from chengxin.core import outbox
from chengxin.core.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _kicks(callbacks: list[Any]) -> int:
    return sum(1 for cb in callbacks if cb is outbox._kick)


def test_dedupe_key_returns_the_message_already_queued(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        a = outbox.queue_email(to="a@example.org", subject="s", body="b", dedupe_key="k1")
        b = outbox.queue_email(to="other@example.org", subject="s2", body="b2", dedupe_key="k1")
        outbox.queue_email(to="a@example.org", subject="s", body="b", dedupe_key="k2")
    assert a.pk == b.pk
    assert OutboxMessage.objects.filter(dedupe_key="k1").get().recipient == "a@example.org"
    assert OutboxMessage.objects.count() == 2
    assert _kicks(callbacks) == 1  # one kick per transaction


def test_dedupe_key_committed_earlier(django_capture_on_commit_callbacks: Any) -> None:
    first = outbox.queue_email(to="a@example.org", subject="s", body="b", dedupe_key="k")
    with django_capture_on_commit_callbacks() as callbacks:
        again = outbox.queue_email(to="a@example.org", subject="s", body="b", dedupe_key="k")
    assert again.pk == first.pk and OutboxMessage.objects.count() == 1
    assert _kicks(callbacks) == 0


def test_a_kick_dropped_with_a_savepoint_is_registered_again(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                outbox.queue_sms(to="13800000000", body="rolled back")
                raise RuntimeError
        except RuntimeError:
            pass
        outbox.queue_sms(to="13800000000", body="kept")
        with transaction.atomic():  # the outer kick covers this one
            outbox.queue_sms(to="13800000000", body="kept too")
    assert list(OutboxMessage.objects.values_list("body", flat=True).order_by("pk")) == ["kept", "kept too"]
    assert _kicks(callbacks) == 1


def test_no_second_delivery_task_while_one_waits(settings: Any) -> None:
    import datetime as dt

    from django.tasks import task_backends
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from chengxin.core.tasks import deliver_outbox

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    assert type(task_backends["default"]).__name__ == "DatabaseBackend"
    outbox._kick()  # what runs after a commit that queued messages
    outbox._kick()  # the first task has not started: it will read these messages as well
    assert DBTaskResult.objects.count() == 1
    DBTaskResult.objects.update(status="RUNNING")  # the worker took it: it may have read the outbox already
    outbox._kick()
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    DBTaskResult.objects.update(status="SUCCESSFUL")
    deliver_outbox.using(run_after=timezone.now() + dt.timedelta(hours=1)).enqueue()  # waits, but not to start soon
    outbox._kick()
    assert DBTaskResult.objects.filter(status="READY").count() == 2


def test_delivery_goes_on_while_batches_are_full() -> None:
    for i in range(5):
        outbox.queue_sms(to="13800000000", body=f"m{i}")
    assert outbox.deliver_due(limit=2) == 5
    assert not OutboxMessage.objects.exclude(status=OutboxMessage.Status.SENT).exists()
    for i in range(5):
        outbox.queue_sms(to="13800000000", body=f"n{i}")
    assert outbox.deliver_due(limit=2, batches=2) == 4
