"""Queue and deliver outgoing messages through the outbox table."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction

from . import clock
from .models import OutboxMessage

log = logging.getLogger("chengxin.outbox")

MAX_ATTEMPTS = 8


def queue_email(
    *, to: str, subject: str, body: str, html_body: str = "", dedupe_key: str | None = None
) -> OutboxMessage:
    """Write an e-mail to the outbox. Call inside the transaction of the
    change that causes it."""
    now = clock.now()
    if dedupe_key:
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing:
            return existing
    msg = OutboxMessage.objects.create(
        channel=OutboxMessage.Channel.EMAIL,
        recipient=to,
        subject=subject,
        body=body,
        html_body=html_body,
        dedupe_key=dedupe_key,
        next_attempt_at=now,
        created_at=now,
    )
    transaction.on_commit(_kick)
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
    transaction.on_commit(_kick)
    return msg


def _kick() -> None:
    """Ask the worker to deliver soon (best effort; the periodic sweep
    delivers anyway)."""
    try:
        from .tasks import deliver_outbox

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


def deliver_due(limit: int = 100) -> int:
    """Deliver due messages; returns how many were sent. Safe to run
    concurrently and repeatedly: each message is claimed under a row lock."""
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
