from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from chengxin.core.permissions import ROLE_LABELS, Role


class User(AbstractUser):
    role = models.CharField(
        _("role"),
        max_length=16,
        choices=[(r.value, ROLE_LABELS[r]) for r in Role],
        default=Role.CONSUMER.value,
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    subjects = models.ManyToManyField(
        "registry.Subject", through="SubjectAccess", through_fields=("user", "subject"),
        related_name="representatives", blank=True,
    )

    def __str__(self) -> str:
        return self.display_name or self.username


class SubjectAccess(models.Model):
    """A member account acting for a subject."""

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    subject = models.ForeignKey("registry.Subject", on_delete=models.CASCADE)
    granted_at = models.DateTimeField()
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "subject"], name="uniq_subject_access")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.subject_id}"


class LoginAttempt(models.Model):
    username = models.CharField(max_length=150, db_index=True)
    ip = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(db_index=True)
    success = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.username}@{self.ip} {'ok' if self.success else 'fail'}"


class ApiToken(models.Model):
    """API credentials. Only a keyed hash of the secret is stored; the
    plaintext is shown once, at creation."""

    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Notification(models.Model):
    """In-app notices ("your application needs more information")."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text[:50]


class OneTimeCode(models.Model):
    """A six-digit code sent by SMS or e-mail to prove a consumer holds the
    phone number or address they register with. Only a keyed hash is kept."""

    destination = models.CharField(max_length=254, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code for {self.destination}"
