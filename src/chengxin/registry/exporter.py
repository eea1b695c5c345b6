"""CSV export of the subject list.

The columns are the import columns (see `upload.COLUMNS`), so an export
opens in Excel and can be edited and imported elsewhere, except that the
resident identity number is only ever exported masked (`id_number_masked`,
which the importer ignores). Cells that a spreadsheet would run as a formula
are prefixed with a single quote. The output is UTF-8 with a BOM so Excel
shows Chinese correctly, and it is produced row by row from a server-side
iterator so a large registry never sits in memory.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet

from chengxin.core.permissions import check
from chengxin.ledger import services as audit

from . import services
from .models import Site, SiteKind, Subject

BOM = "\ufeff"
CHUNK_SIZE = 500
EXPORT_COLUMNS = (
    "name", "kind", "uscc", "id_number_masked", "legal_representative", "address",
    "province", "city", "industry", "contact_name", "contact_phone", "contact_email", "sites",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """Text for one cell; a value a spreadsheet would evaluate (= + - @, or a
    tab/CR in front of one) is prefixed with a single quote."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def subject_row(subject: Subject) -> list[str]:
    sites = [s.domain for s in subject.sites.all() if s.kind == SiteKind.DOMAIN and s.removed_at is None]
    values = {
        "name": subject.name,
        "kind": subject.kind,
        "uscc": subject.uscc or "",
        "id_number_masked": subject.id_number_masked,
        "legal_representative": subject.legal_representative,
        "address": subject.address,
        "province": subject.province_id,
        "city": subject.city_id or "",
        "industry": subject.industry_id or "",
        "contact_name": subject.contact_name,
        "contact_phone": subject.contact_phone,
        "contact_email": subject.contact_email,
        "sites": "; ".join(sites),
    }
    return [safe_cell(values[c]) for c in EXPORT_COLUMNS]


class _Line:
    """A file-like object whose write returns what was written."""

    def write(self, value: str) -> str:
        return value


def iter_csv(qs: QuerySet[Subject], *, bom: bool = True, chunk_size: int = CHUNK_SIZE) -> Iterator[str]:
    """CSV lines for the subjects in `qs`, header first."""
    writer = csv.writer(_Line())
    if bom:
        yield BOM
    yield writer.writerow(EXPORT_COLUMNS)
    live_domains = Site.objects.filter(kind=SiteKind.DOMAIN, removed_at__isnull=True).order_by("id")
    qs = qs.prefetch_related(Prefetch("sites", queryset=live_domains))
    for subject in qs.iterator(chunk_size=chunk_size):
        yield writer.writerow(subject_row(subject))


def export_subjects(
    *,
    actor: Any,
    q: str = "",
    province: str = "",
    industry: str = "",
    bom: bool = True,
    reason: str = "",
) -> Iterator[str]:
    """Check the permission, record the export in the audit trail (it carries
    contact data) and return the CSV as an iterator of strings."""
    if actor is not None:
        check(actor, "registry.export")
    filters = {"q": q, "province": province, "industry": industry}
    audit.record(
        actor=actor, action="subject.export", object_type="registry.subject", object_id="export",
        after={"filters": {k: v for k, v in filters.items() if v}, "format": "csv"},
        reason=reason or "CSV export",
    )
    return iter_csv(services.search_subjects(q=q, province=province, industry=industry), bom=bom)
