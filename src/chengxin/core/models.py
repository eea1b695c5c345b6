"""The transactional outbox: every outgoing e-mail, SMS and webhook is a row
written in the same transaction as the change that caused it, and delivered
afterwards by the worker. A rolled-back change sends nothing; a crash after
commit loses nothing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", "e-mail"
        SMS = "sms", "SMS"
        WEBHOOK = "webhook", "webhook"

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"

    channel = models.CharField(max_length=16, choices=Channel.choices)
    recipient = models.CharField(max_length=500)
    subject = models.CharField(max_length=500, blank=True)
    body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient} ({self.status})"


class CalendarDay(models.Model):
    """A staff-maintained entry of the working-day calendar.

    An entry overrides the holiday package for its date (a correction) and
    supplies the years the package does not know yet. Written only through
    `chengxin.core.calendar_entries.set_day` / `delete_day` / `import_days`, which
    audit every change.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")
        WORKDAY = "workday", _("Make-up working day")

    date = models.DateField(unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=100, blank=True)
    # Who set the current value (the audit trail keeps earlier ones).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.kind}" + (f" ({self.name})" if self.name else "")
