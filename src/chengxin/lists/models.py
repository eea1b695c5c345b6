"""Blacklist, red list and watch list entries (黑名单/红名单/重点关注).

This is the part of the lists capability that other domains already rely
on (membership eligibility); objections and credit repair come later."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ListKind(models.TextChoices):
    BLACKLIST = "blacklist", _("Blacklist")
    REDLIST = "redlist", _("Red list")
    WATCHLIST = "watchlist", _("Watch list")


class ListEntry(models.Model):
    subject = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="list_entries")
    kind = models.CharField(max_length=10, choices=ListKind.choices)
    reason = models.TextField()
    legal_basis = models.CharField(max_length=300, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True, help_text="time limit (限期禁入); empty = until lifted")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["subject", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_id}"
