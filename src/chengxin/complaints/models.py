"""Complaints (投诉): a consumer's complaint against a subject, the merchant's
answer, the consumer's verdict, mediation, and the outcome.

One record carries the whole life cycle. Its deadlines are fields on the
record, advanced by the idempotent sweep in `sweeps.py`; the allowed status
changes are one table in `states.py`; everything that happened is a
`ComplaintEvent` with who may see it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chengxin.core.labels import BilingualLabel


class Category(BilingualLabel, models.Model):  # noqa: DJ008 - __str__ from BilingualLabel
    """Complaint categories are data (seed 003 §3): an operator can add one or
    give one its own response deadline."""

    code = models.CharField(max_length=40, primary_key=True)
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    response_working_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Merchant's response deadline; empty: the platform default."
    )

    class Meta:
        ordering = ["position", "code"]
        verbose_name_plural = "categories"


class Remedy(models.TextChoices):
    REFUND = "refund", _("Refund")
    EXCHANGE = "exchange", _("Exchange")
    REPAIR = "repair", _("Repair")
    APOLOGY = "apology", _("Apology")
    COMPENSATION = "compensation", _("Compensation")


class Status(models.TextChoices):
    AWAITING_RESPONSE = "awaiting_response", _("Awaiting the merchant's answer")
    OVERDUE = "overdue", _("Answer overdue (final notice)")
    ANSWERED = "answered", _("Answered, awaiting the consumer")
    DISPUTED = "disputed", _("Disputed by the consumer")
    IN_MEDIATION = "in_mediation", _("In mediation")
    # closed: the outcome
    RESOLVED = "resolved", _("Resolved (confirmed by the consumer)")
    RESOLVED_MEDIATION = "resolved_mediation", _("Resolved by mediation")
    ANSWERED_UNCONFIRMED = "answered_unconfirmed", _("Answered, not confirmed")
    UNRESOLVED = "unresolved", _("Unresolved")
    UNANSWERED = "unanswered", _("Unanswered")
    INVALID = "invalid", _("Invalid")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN = (Status.AWAITING_RESPONSE, Status.OVERDUE, Status.ANSWERED, Status.DISPUTED, Status.IN_MEDIATION)
CLOSED = tuple(s for s in Status if s not in OPEN)
# Outcomes that count in statistics (invalid and withdrawn complaints do not).
COUNTED = tuple(s for s in Status if s not in (Status.INVALID, Status.WITHDRAWN))


class InvalidReason(models.TextChoices):
    SPAM = "spam", _("Spam or abusive content")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")
    DUPLICATE = "duplicate", _("Duplicate of another complaint")
    TOO_OLD = "too_old", _("About events more than 3 years old")
    IN_COURT = "in_court", _("Already before a court or arbitration")
    MALICIOUS = "malicious", _("Malicious complaint")


class Complaint(models.Model):
    number = models.CharField(max_length=20, unique=True)
    subject = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="complaints")
    complainant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="complaints")
    category = models.ForeignKey(Category, on_delete=models.PROTECT)
    site = models.CharField(_("shop or site"), max_length=300, blank=True)
    order_ref = models.CharField(_("order number"), max_length=100, blank=True)
    amount = models.DecimalField(_("amount in dispute"), max_digits=12, decimal_places=2, null=True, blank=True)
    remedies = models.JSONField(default=list)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"))
    # The complainant's contact data as given with this complaint (personal data).
    contact_name = models.CharField(max_length=100, blank=True)
    contact_phone = models.CharField(max_length=32, blank=True)
    contact_email = models.CharField(max_length=254, blank=True)
    consent_at = models.DateTimeField()
    public_consent = models.BooleanField(default=False)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001 - NULL: no key, unique when given

    status = models.CharField(max_length=24, choices=Status.choices, default=Status.AWAITING_RESPONSE)
    status_changed_at = models.DateTimeField()
    checks = models.JSONField(default=list)

    filed_at = models.DateTimeField(db_index=True)
    confirm_due_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confirm_overdue_notified_at = models.DateTimeField(null=True, blank=True)
    staff_alerted_at = models.DateTimeField(null=True, blank=True)  # the handlers were told it is new

    response_due_at = models.DateTimeField()
    remind_at = models.DateTimeField(null=True, blank=True)  # "N working days before"
    reminded_at = models.DateTimeField(null=True, blank=True)
    reminded_day_at = models.DateTimeField(null=True, blank=True)  # on the day
    urge_at = models.DateTimeField(null=True, blank=True)  # staff-scheduled urging (定时督促)
    second_notice_at = models.DateTimeField(null=True, blank=True)
    final_due_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True)
    contact_released_at = models.DateTimeField(null=True, blank=True)

    consumer_due_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.TextField(blank=True)
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="mediations")
    mediation_started_at = models.DateTimeField(null=True, blank=True)
    mediation_due_at = models.DateTimeField(null=True, blank=True)
    settlement = models.TextField(blank=True)
    settlement_consumer_agreed_at = models.DateTimeField(null=True, blank=True)
    settlement_merchant_agreed_at = models.DateTimeField(null=True, blank=True)

    closed_at = models.DateTimeField(null=True, blank=True)
    invalid_reason = models.CharField(max_length=20, choices=InvalidReason.choices, blank=True)
    invalid_note = models.TextField(blank=True)
    survey_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "response_due_at"]),
            models.Index(fields=["subject", "filed_at"]),
            models.Index(fields=["complainant", "filed_at"]),
            models.Index(fields=["confirmed_at", "confirm_due_at"]),
            # the few complaints the staff have not been told about yet
            models.Index(fields=["filed_at"], condition=models.Q(staff_alerted_at__isnull=True), name="complaint_staff_unalerted"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["complainant", "idempotency_key"], name="uniq_complaint_idempotency"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


class Visibility(models.TextChoices):
    ALL = "all", _("Consumer, merchant and staff")
    CONSUMER = "consumer", _("Consumer and staff")
    MERCHANT = "merchant", _("Merchant and staff")
    STAFF = "staff", _("Staff only")


class ComplaintEvent(models.Model):
    """The timeline: status changes, messages, files, deadlines."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    party = models.CharField(max_length=12)  # consumer, merchant, staff, mediator, system
    kind = models.CharField(max_length=32)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    message = models.TextField(blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.ALL)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at}"


def _evidence_path(instance: Evidence, filename: str) -> str:
    return f"complaints/{instance.complaint_id}/{instance.sha256[:16]}{filename[-10:]}"


class Evidence(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="evidence")
    party = models.CharField(max_length=12)
    file = models.FileField(upload_to=_evidence_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return self.original_name


class MaliciousFlag(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        UPHELD = "upheld", _("Upheld: the complaint is malicious")
        REJECTED = "rejected", _("Rejected")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="flags")
    flagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    at = models.DateTimeField()
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"flag {self.complaint_id} {self.decision}"


class Survey(models.Model):
    """The satisfaction survey after closure (回访, seed 004 §6.8)."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="survey")
    rating = models.PositiveSmallIntegerField()  # 1..5
    handled_well = models.BooleanField()
    comment = models.TextField(blank=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"survey {self.complaint_id}: {self.rating}"


class ResponsePromise(models.Model):
    """A member that promises to answer faster than the default (e.g. 48 h)."""

    subject = models.OneToOneField("registry.Subject", on_delete=models.CASCADE, related_name="response_promise")
    hours = models.PositiveSmallIntegerField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.subject_id}: {self.hours} h"
