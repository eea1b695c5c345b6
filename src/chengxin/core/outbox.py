"""Queue and deliver outgoing messages through the outbox table."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction

from . import clock, fastsql
from .models import OutboxMessage

log = logging.getLogger("chengxin.outbox")

MAX_ATTEMPTS = 8


def queue_email(
    *, to: str, subject: str, body: str, html_body: str = "", dedupe_key: str | None = None
) -> OutboxMessage:
    """Write an e-mail to the outbox. Call inside the transaction of the
    change that causes it. With a `dedupe_key` already in the outbox, the
    message queued under it is returned and nothing new is queued."""
    now = clock.now()
    msg = OutboxMessage(
        channel=OutboxMessage.Channel.EMAIL,
        recipient=to,
        subject=subject,
        body=body,
        html_body=html_body,
        dedupe_key=dedupe_key,
        next_attempt_at=now,
        created_at=now,
    )
    if dedupe_key:
        # Insert first, look only on a clash (keys are nearly always new):
        # one statement, no SELECT before it and no savepoint around it.
        if fastsql.insert_unless_exists(msg, "dedupe_key") is None:
            existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
            if existing is None:  # deleted in between: nothing to dedupe against
                return fastsql.insert(msg)
            return existing
    else:
        fastsql.insert(msg)
    _kick_on_commit()
    return msg


def queue_sms(*, to: str, body: str, dedupe_key: str | None = None) -> OutboxMessage:
    now = clock.now()
    msg = OutboxMessage.objects.create(
        channel=OutboxMessage.Channel.SMS,
        recipient=to,
        body=body,
        dedupe_key=dedupe_key,
        next_attempt_at=now,
        created_at=now,
    )
    _kick_on_commit()
    return msg


def _kick_on_commit() -> None:
    """One kick after the commit, however many messages the transaction
    queues. A kick registered earlier counts if it is sure to run whenever
    this message is committed: registered outside every savepoint that is
    open now (a rollback to such a savepoint drops this message too)."""
    conn = transaction.get_connection()
    if conn.in_atomic_block:
        open_now = set(conn.savepoint_ids)
        if any(func is _kick and sids <= open_now for sids, func, _robust in conn.run_on_commit):
            return
    transaction.on_commit(_kick)


def _delivery_waiting() -> bool:
    """Whether a delivery task is queued and not started yet (database task
    backend only). It reads every message committed before it starts.
    Plain SQL for what `DBTaskResult.objects.ready().filter(...).exists()`
    asks: the ORM took ~1 ms to build it, the database ~0.05 ms to answer
    (partial index on the ready tasks)."""
    from django.db import connection
    from django.tasks import TaskResultStatus, task_backends
    from django.utils import timezone
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult, get_date_max

    from .tasks import deliver_outbox

    backend = task_backends[deliver_outbox.backend]
    if not isinstance(backend, DatabaseBackend):
        return False
    at = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT 1 FROM {DBTaskResult._meta.db_table} WHERE status = %s AND task_path = %s"  # noqa: S608 - placeholders only
            " AND queue_name = %s AND backend_name = %s AND (run_after = %s OR run_after <= %s)",
            [TaskResultStatus.READY.value, deliver_outbox.module_path, deliver_outbox.queue_name, backend.alias,
             at(get_date_max()), at(timezone.now())],  # the clock django_tasks_db runs tasks by
        )
        return cur.fetchone() is not None


def _kick() -> None:
    """Ask the worker to deliver soon (best effort; the periodic sweep
    delivers anyway). Runs after the commit: a delivery task that is still
    waiting then will see the new messages, so a second one is not queued
    (under load that was one task row per message)."""
    try:
        from .tasks import deliver_outbox

        if not _delivery_waiting():
            deliver_outbox.enqueue()
    except Exception:  # noqa: BLE001 - the sweep will pick it up
        log.warning("could not enqueue outbox delivery", exc_info=True)


def _send_email(msg: OutboxMessage) -> None:
    email = EmailMultiAlternatives(
        subject=msg.subject,
        body=msg.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[msg.recipient],
        headers={"Message-ID": f"<outbox-{msg.pk}@chengxin>"},
        connection=get_connection(settings.CHENGXIN_EMAIL_BACKEND, fail_silently=False),
    )
    if msg.html_body:
        email.attach_alternative(msg.html_body, "text/html")
    email.send(fail_silently=False)


def _send_sms(msg: OutboxMessage) -> None:
    # Simulated gateway: the README says so. A real gateway plugs in here.
    log.info("sms", extra={"to": msg.recipient, "body": msg.body, "simulated": True})


SENDERS: dict[str, Any] = {
    OutboxMessage.Channel.EMAIL: _send_email,
    OutboxMessage.Channel.SMS: _send_sms,
}


def deliver_due(limit: int = 100, batches: int = 20) -> int:
    """Deliver due messages; returns how many were sent. Safe to run
    concurrently and repeatedly: each message is claimed under a row lock.
    Works in batches of `limit`; after a batch of `limit` sent messages (a
    backlog: one delivery task may serve many transactions) it goes on, up
    to `batches` batches, and stops at the first batch with a failure."""
    sent = 0
    for _batch in range(batches):
        batch_sent = _deliver_batch(limit)
        sent += batch_sent
        if batch_sent < limit:
            break
    return sent


def _deliver_batch(limit: int) -> int:
    sent = 0
    now = clock.now()
    ids = list(
        OutboxMessage.objects.filter(
            status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        with transaction.atomic():
            msg = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=OutboxMessage.Status.PENDING)
                .first()
            )
            if msg is None:
                continue
            msg.attempts += 1
            try:
                SENDERS[msg.channel](msg)
            except (smtplib.SMTPException, OSError, KeyError) as exc:
                msg.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if msg.attempts >= MAX_ATTEMPTS:
                    msg.status = OutboxMessage.Status.FAILED
                else:
                    backoff = min(3600, 30 * 2 ** (msg.attempts - 1))
                    msg.next_attempt_at = clock.now() + dt.timedelta(seconds=backoff)
                log.warning("outbox delivery failed", extra={"id": msg.pk, "error": msg.last_error})
            else:
                msg.status = OutboxMessage.Status.SENT
                msg.sent_at = clock.now()
                sent += 1
            msg.save()
    return sent
