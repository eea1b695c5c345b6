"""Periodic, idempotent sweeps over registry records."""

from __future__ import annotations

from django.db import transaction

from chengxin.core import clock
from chengxin.ledger import services as audit

from .models import Site


def expire_site_verifications() -> int:
    """Ownership proofs last a year: record each lapse once in the audit
    trail (the site then shows as not proven, since `verified_until` passed)."""
    now = clock.now()
    count = 0
    for pk in Site.objects.filter(verified_until__lte=now, verified_at__isnull=False).values_list("pk", flat=True):
        with transaction.atomic():
            site = Site.objects.select_for_update().filter(pk=pk, verified_until__lte=now, verified_at__isnull=False).first()
            if site is None:
                continue
            audit.record(actor=None, action="site.verification_expired", obj=site,
                         before={"verified_until": site.verified_until}, after={"verified": False},
                         reason="ownership proof older than its validity")
            site.verified_at = None
            site.save(update_fields=["verified_at"])
            count += 1
    return count
