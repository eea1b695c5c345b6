"""Membership applications (申报) and the memberships they become.

One record carries the whole life cycle: the application (draft, submitted,
under review, information requested, approved / rejected), then the
membership (active, expiring, expired, renewed, suspended, terminated). A
renewal is a new record pointing at the one it renews. The allowed
transitions are one table in `states.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chengxin.core.labels import BilingualLabel


class _Labelled(BilingualLabel, models.Model):
    code = models.CharField(max_length=40, primary_key=True)
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ["position", "code"]


class ApplicantType(_Labelled):  # noqa: DJ008 - __str__ from BilingualLabel
    """The eight applicant types of seed 000 一; data, so an association can
    change them."""


class MembershipLevel(_Labelled):  # noqa: DJ008 - __str__ from BilingualLabel
    annual_fee = models.DecimalField(max_digits=10, decimal_places=2, default=0)


class SizeBand(models.TextChoices):
    MICRO = "micro", _("Under 10,000 orders or CNY 1 million a year")
    SMALL = "small", _("10,000–100,000 orders or CNY 1–10 million a year")
    MEDIUM = "medium", _("100,000–1 million orders or CNY 10–100 million a year")
    LARGE = "large", _("Over 1 million orders or CNY 100 million a year")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    INFO_REQUESTED = "info_requested", _("Information requested")
    APPROVED = "approved", _("Approved, fee due")
    REJECTED = "rejected", _("Rejected")
    ACTIVE = "active", _("Active")
    EXPIRING = "expiring", _("Expiring soon")
    EXPIRED = "expired", _("Expired")
    RENEWED = "renewed", _("Renewed")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_APPLICATION = (Status.DRAFT, Status.SUBMITTED, Status.UNDER_REVIEW, Status.INFO_REQUESTED, Status.APPROVED)
IN_REVIEW = (Status.SUBMITTED, Status.UNDER_REVIEW, Status.INFO_REQUESTED)
CURRENT_MEMBERSHIP = (Status.ACTIVE, Status.EXPIRING)


class Application(models.Model):
    subject = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications")
    renews = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewals")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    applicant_type = models.ForeignKey(ApplicantType, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("applicant type"))
    level = models.ForeignKey(MembershipLevel, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("membership level"))
    sites = models.ManyToManyField("registry.Site", blank=True, related_name="applications", verbose_name=_("sites to certify"))
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    size_band = models.CharField(_("declared size"), max_length=10, choices=SizeBand.choices, blank=True)
    declaration_accepted_at = models.DateTimeField(null=True, blank=True)
    eligibility = models.JSONField(default=list, blank=True)

    created_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    review_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    info_requested_at = models.DateTimeField(null=True, blank=True)
    remaining_working_days = models.PositiveSmallIntegerField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    fee_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reminded_30_at = models.DateTimeField(null=True, blank=True)
    reminded_7_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "review_due_at"]), models.Index(fields=["subject", "status"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject_id} {self.status}"


def _upload_to(instance: ApplicationDocument, filename: str) -> str:
    return f"applications/{instance.application_id}/{instance.sha256[:16]}-{filename[-80:]}"


class DocumentKind(models.TextChoices):
    LICENCE = "licence", _("Business licence")
    ID = "id", _("Identity document of the legal representative")
    ICP = "icp", _("ICP filing or licence")
    OTHER = "other", _("Other")


class ApplicationDocument(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    file = models.FileField(upload_to=_upload_to)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return self.original_name


class Payment(models.Model):
    class Method(models.TextChoices):
        BANK = "bank", _("Bank transfer")
        ALIPAY = "alipay", _("Alipay")
        WECHAT = "wechat", _("WeChat Pay")
        CASH = "cash", _("Cash")
        WAIVER = "waiver", _("Waived")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    method = models.CharField(max_length=10, choices=Method.choices)
    reference = models.CharField(max_length=100, blank=True)
    receipt_number = models.CharField(max_length=100, blank=True)
    waiver_reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.amount} {self.method}"


class Event(models.Model):
    """What happened to an application, in order; `public` events are shown
    to the applicant."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)
    public = models.BooleanField(default=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.at}"
