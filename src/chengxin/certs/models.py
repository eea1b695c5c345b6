"""Trust certificates (电子证书) and their seals (电子图章).

A certificate is a W3C Verifiable Credential (data model 2.0) secured as a
JWS (VC-JOSE-COSE, `typ` `vc+jwt`, `alg` `Ed25519`). Revocation and
suspension are published in signed Bitstring Status Lists. The allowed
status changes are one table in `states.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chengxin.core.labels import BilingualLabel


class SigningKey(models.Model):
    """An Ed25519 key of the platform. The newest key that is not retired
    signs; every key stays in the JWKS so that what it signed still verifies."""

    kid = models.CharField(max_length=64, primary_key=True)
    alg = models.CharField(max_length=20, default="Ed25519")
    public_jwk = models.JSONField()
    private_enc = models.TextField()  # the private JWK, AES-GCM encrypted with the PII key
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.kid


class CertificateLevel(BilingualLabel, models.Model):  # noqa: DJ008 - __str__ from BilingualLabel
    """Red mark (红标) and blue mark (蓝标) by default; data, so an association
    can change them."""

    code = models.CharField(max_length=20, primary_key=True)
    name = models.CharField(max_length=50)
    name_en = models.CharField(max_length=50, blank=True)
    description = models.CharField(max_length=200, blank=True)
    description_en = models.CharField(max_length=200, blank=True)
    color = models.CharField(max_length=7, default="#1f5fa8")
    position = models.PositiveSmallIntegerField(default=0)
    default_on_issue = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "code"]


class CertStatus(models.TextChoices):
    ACTIVE = "active", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")
    SUPERSEDED = "superseded", _("Replaced by a newer certificate")


class Purpose(models.TextChoices):
    REVOCATION = "revocation", _("revocation")
    SUSPENSION = "suspension", _("suspension")


class StatusList(models.Model):
    """One Bitstring Status List: `bits` is the raw bitstring (bit 0 is the
    most significant bit of the first byte). `version` counts changes;
    `published_version` is what the file on disk shows."""

    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    number = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    bits = models.BinaryField()
    version = models.PositiveIntegerField(default=0)
    published_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["purpose", "number"], name="certs_statuslist_unique")]

    def __str__(self) -> str:
        return f"{self.purpose}/{self.number}"


class Certificate(models.Model):
    number = models.CharField(max_length=20, unique=True)
    subject = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="certificates")
    membership = models.ForeignKey("membership.Application", on_delete=models.PROTECT, related_name="certificates")
    level = models.ForeignKey(CertificateLevel, on_delete=models.PROTECT)
    status = models.CharField(max_length=20, choices=CertStatus.choices, default=CertStatus.ACTIVE)
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField()
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(db_index=True)
    domains = models.JSONField(default=list)  # verified hostnames the seal is bound to
    shops = models.JSONField(default=list)  # verified shop URLs on platforms
    claims = models.JSONField(default=dict)  # the credential as signed (unsecured form)
    token = models.TextField()  # the signed credential (compact JWS)
    kid = models.CharField(max_length=64)
    status_list = models.PositiveIntegerField(default=1)
    revocation_index = models.PositiveIntegerField()
    suspension_index = models.PositiveIntegerField()
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    seal_version = models.PositiveIntegerField(default=1)
    seal_published_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["status_list", "revocation_index"], name="certs_cert_revocation_slot"),
            models.UniqueConstraint(fields=["status_list", "suspension_index"], name="certs_cert_suspension_slot"),
        ]
        indexes = [models.Index(fields=["subject", "status"])]

    def __str__(self) -> str:
        return self.number


class SealMisuse(models.Model):
    """A seal reached from a page that is not one of the certificate's
    verified sites: a possible phishing site, for staff to review."""

    class Verdict(models.TextChoices):
        OPEN = "open", _("To review")
        PHISHING = "phishing", _("Phishing or impersonation")
        BENIGN = "benign", _("Harmless (e.g. a news article or a partner page)")

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="misuses")
    site = models.CharField(max_length=253)  # the host the visitor came from
    via = models.CharField(max_length=10)  # "referer" or "site"
    example_url = models.CharField(max_length=500, blank=True)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    count = models.PositiveIntegerField(default=1)
    verdict = models.CharField(max_length=10, choices=Verdict.choices, default=Verdict.OPEN)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-last_seen"]
        constraints = [models.UniqueConstraint(fields=["certificate", "site"], name="certs_misuse_unique")]

    def __str__(self) -> str:
        return f"{self.site} → {self.certificate_id}"
