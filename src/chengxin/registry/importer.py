"""Bulk import of subjects from a CSV or XLSX file.

Reading, checking and writing are three steps:

1. `upload.read_table` turns the upload into a header and rows of text, refusing
   files that are too big, have too many rows, are empty, are not UTF-8 /
   GB18030 text (CSV) or not a workbook (XLSX), or have unknown columns.
   A refusal is a `ValidationFailed` with `field="file"`; nothing is written.
2. Every row is checked with the same rules as the registration form
   (`services.clean_subject_data`), plus what only an import can get wrong:
   formula-looking cells, the same code twice in the file, a code that is
   already registered, names of provinces and cities instead of codes.
   Problems are reported per row: {row, field, code, message}, where `row` is
   the spreadsheet row number (the header is row 1).
3. Valid rows are written through `services.create_subject` and
   `services.add_site`, so every subject and site is audited. In
   `all-or-nothing` mode one transaction holds the whole file; in
   `skip-invalid` mode each row gets a savepoint.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chengxin.core.errors import ChengxinError, Conflict, ValidationFailed
from chengxin.core.permissions import check

from . import services
from .models import Industry, Region, SiteKind, Subject, SubjectKind
from .normalize import DomainError, normalize_domain
from .upload import COLUMNS, Table, read_table
from .validators import CodeError, validate_uscc

ALL_OR_NOTHING = "all-or-nothing"
SKIP_INVALID = "skip-invalid"
MODES = (ALL_OR_NOTHING, SKIP_INVALID)

FIELD_LABELS: dict[str, Any] = {
    "file": gettext_lazy("File"),
    "name": gettext_lazy("Name"),
    "kind": gettext_lazy("Kind"),
    "uscc": gettext_lazy("Unified social credit code"),
    "id_number": gettext_lazy("Resident identity number"),
    "legal_representative": gettext_lazy("Legal representative"),
    "address": gettext_lazy("Address"),
    "province": gettext_lazy("Province"),
    "city": gettext_lazy("City"),
    "industry": gettext_lazy("Industry"),
    "contact_name": gettext_lazy("Contact person"),
    "contact_phone": gettext_lazy("Contact phone"),
    "contact_email": gettext_lazy("Contact e-mail"),
    "sites": gettext_lazy("Websites"),
}

KIND_ALIASES: dict[str, tuple[str, ...]] = {
    SubjectKind.ORGANISATION: ("organisation", "organization", "企业", "组织", "企业/组织", "企业或组织"),
    SubjectKind.INDIVIDUAL: ("individual", "个体工商户", "个人商家", "个体工商户/个人商家", "个体"),
    SubjectKind.PLATFORM: ("platform", "平台", "电商平台"),
    SubjectKind.COMMUNITY_MANAGER: ("community_manager", "群主", "社区管理者", "群主/社区管理者"),
}

KIND_HINT = (
    "organisation (企业/组织), individual (个体工商户/个人商家), platform (平台), "
    "community_manager (群主/社区管理者)"
)

MAX_SITES_PER_ROW = 50

# = and @ start a formula; + and - do too unless what follows is a number or
# a phone number ("+86 138 0013 8000", "-").
_FORMULA = re.compile(r"^(?:[=@]|[+\-](?![0-9\s().\-]*$))")
_SITE_SPLIT = re.compile(r"[;；,，\s]+")
_CODE_LIKE = re.compile(r"^[0-9]{6}$")

Progress = Callable[[str, int, int], None]


# --- result ---------------------------------------------------------------

@dataclass
class ImportResult:
    filename: str
    mode: str
    dry_run: bool
    total: int = 0  # data rows in the file (blank rows are not counted)
    valid: int = 0  # rows without problems
    imported: int = 0
    skipped: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def invalid_rows(self) -> int:
        return len({e["row"] for e in self.errors})

    def summary(self) -> str:
        if self.dry_run:
            if self.mode == ALL_OR_NOTHING and self.errors:
                return _(
                    "Dry run: %(total)d rows checked, %(bad)d with problems. Nothing would be "
                    "imported until every row is valid."
                ) % {"total": self.total, "bad": self.invalid_rows}
            return _(
                "Dry run: %(total)d rows checked, %(valid)d would be imported, %(bad)d have problems. "
                "Nothing was written."
            ) % {"total": self.total, "valid": self.valid, "bad": self.invalid_rows}
        if self.mode == ALL_OR_NOTHING and self.errors:
            return _(
                "Nothing was imported: %(bad)d of %(total)d rows have problems. Correct them and "
                "upload the file again, or choose to skip invalid rows."
            ) % {"total": self.total, "bad": self.invalid_rows}
        return _("%(imported)d of %(total)d rows imported, %(skipped)d skipped.") % {
            "imported": self.imported, "total": self.total, "skipped": self.skipped,
        }


# --- checking -------------------------------------------------------------

def _norm(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).casefold()


class _Lookups:
    """Regions, industries and kinds in memory for the whole file."""

    def __init__(self) -> None:
        regions = list(Region.objects.all())
        # (region, normalised name, normalised English name)
        self.provinces = [(r, _norm(r.name), _norm(r.name_en)) for r in regions if r.level == "province"]
        self.cities = [(r, _norm(r.name), _norm(r.name_en)) for r in regions if r.level == "city"]
        self.industries: dict[str, str] = {}
        for ind in Industry.objects.all():
            for alias in (ind.name_en, ind.name, ind.code):
                if alias:
                    self.industries[_norm(alias)] = ind.code
        self.kinds: dict[str, str] = {}
        for value, aliases in KIND_ALIASES.items():
            for alias in aliases:
                self.kinds[_norm(alias)] = str(value)
        for lang in ("en", "zh-hans", translation.get_language() or "en"):
            with translation.override(lang):
                for value, label in SubjectKind.choices:
                    self.kinds.setdefault(_norm(str(label)), str(value))
        self._cache: dict[tuple[str, str, str | None], tuple[str | None, list[Region]]] = {}

    def kind(self, value: str) -> str | None:
        return self.kinds.get(_norm(value))

    @staticmethod
    def _match(value: str, candidates: list[tuple[Region, str, str]]) -> list[Region]:
        key = _norm(value)
        exact = [r for r, name, name_en in candidates if key in (name, name_en)]
        if exact or len(key) < 2:
            return exact
        return [r for r, name, _en in candidates if name.startswith(key)]

    def province(self, value: str) -> tuple[str | None, list[Region]]:
        """(code, candidates): a code as given, the one region the name
        matches, or None with the ambiguous candidates (or none)."""
        if _CODE_LIKE.match(value):
            return value, []
        cache_key = ("province", value, None)
        if cache_key not in self._cache:
            found = self._match(value, self.provinces)
            self._cache[cache_key] = (found[0].code, found) if len(found) == 1 else (None, found)
        return self._cache[cache_key]

    def city(self, value: str, province: str | None) -> tuple[str | None, list[Region]]:
        """Like `province`; a name is looked for in the given province
        first, then anywhere (the service then reports a mismatch)."""
        if _CODE_LIKE.match(value):
            return value, []
        cache_key = ("city", value, province)
        if cache_key not in self._cache:
            found: list[Region] = []
            if province:
                found = self._match(value, [c for c in self.cities if c[0].parent_id == province])
            if len(found) != 1:
                found = self._match(value, self.cities)
            self._cache[cache_key] = (found[0].code, found) if len(found) == 1 else (None, found)
        return self._cache[cache_key]

    def industry(self, value: str) -> str:
        """The code for a code or a name; anything else as given (the
        service reports it)."""
        return self.industries.get(_norm(value), value)


@dataclass
class _Row:
    rownum: int
    data: dict[str, Any]
    domains: list[str]
    uscc: str | None
    errors: list[dict[str, Any]]


def _cell_text(value: Any, key: str, errors: list[dict[str, Any]], rownum: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and key in ("uscc", "id_number"):
        _err(errors, rownum, key, "number_cell",
             _("The cell is stored as a number, which loses digits. Format the column as text and "
               "enter the code again."))
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    text = unicodedata.normalize("NFC", str(value)).strip()
    # A leading apostrophe that protects a formula-like value (as our export
    # writes it) is not part of the value.
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]
    if _FORMULA.match(text):
        _err(errors, rownum, key, "formula",
             _("“%(v)s” looks like a spreadsheet formula; formulas are not imported. Enter the "
               "plain value.") % {"v": text[:50]})
        return ""
    return text


def _err(errors: list[dict[str, Any]], rownum: int, key: str, code: str, message: str) -> None:
    errors.append({"row": rownum, "field": key, "code": code, "message": str(message)})


def _check_row(rownum: int, record: dict[str, Any], lookups: _Lookups) -> _Row:
    errors: list[dict[str, Any]] = []
    text = {key: _cell_text(record.get(key), key, errors, rownum) for key in COLUMNS}
    reported = {e["field"] for e in errors}
    data: dict[str, Any] = {k: text[k] for k in services.EDITABLE_FIELDS}

    if text["kind"] and "kind" not in reported:
        kind = lookups.kind(text["kind"])
        if kind is None:
            _err(errors, rownum, "kind", "invalid_choice",
                 _("Unknown kind “%(v)s”. Use one of: %(k)s.") % {"v": text["kind"], "k": KIND_HINT})
        data["kind"] = kind or ""

    province_code: str | None = None
    if text["province"] and "province" not in reported:
        province_code, found = lookups.province(text["province"])
        if province_code is None:
            _err(errors, rownum, "province", "ambiguous_region" if found else "unknown_region",
                 _("“%(v)s” could be %(c)s; write the full name or the code.")
                 % {"v": text["province"], "c": "、".join(r.name for r in found)} if found else
                 _("Unknown province “%(v)s”: give its name (e.g. 浙江省) or its code (e.g. 330000).")
                 % {"v": text["province"]})
        data["province"] = province_code or ""
    if text["city"] and "city" not in reported:
        city_code, found = lookups.city(text["city"], province_code)
        if city_code is None:
            _err(errors, rownum, "city", "ambiguous_region" if found else "unknown_region",
                 _("“%(v)s” could be %(c)s; write the full name or the code.")
                 % {"v": text["city"], "c": "、".join(r.name for r in found[:5])} if found else
                 _("Unknown city “%(v)s”: give its name (e.g. 杭州市) or its code (e.g. 330100).")
                 % {"v": text["city"]})
        data["city"] = city_code or ""
    if text["industry"]:
        data["industry"] = lookups.industry(text["industry"])

    domains: list[str] = []
    if text["sites"]:
        for part in _SITE_SPLIT.split(text["sites"]):
            if not part:
                continue
            try:
                domain = normalize_domain(part)
            except DomainError:
                _err(errors, rownum, "sites", "invalid_domain",
                     _("“%(a)s” is not a domain name or web address.") % {"a": part[:100]})
                continue
            if domain not in domains:
                domains.append(domain)
        if len(domains) > MAX_SITES_PER_ROW:
            _err(errors, rownum, "sites", "too_many_sites",
                 _("At most %(n)d websites per row.") % {"n": MAX_SITES_PER_ROW})

    reported = {e["field"] for e in errors}
    try:
        services.clean_subject_data(data)
    except ValidationFailed as exc:
        for e in exc.errors or [{"field": exc.field, "code": exc.code, "message": str(exc.message)}]:
            if e["field"] not in reported:
                _err(errors, rownum, e["field"] or "", e["code"], e["message"])
    except Conflict as exc:
        if exc.code != "duplicate_uscc":  # reported with the other duplicates
            _err(errors, rownum, exc.field or "", exc.code, str(exc.message))

    uscc: str | None = None
    if text["uscc"] and "uscc" not in reported:
        try:
            uscc = validate_uscc(text["uscc"])
        except CodeError:
            uscc = None
    return _Row(rownum=rownum, data=data, domains=domains, uscc=uscc, errors=errors)


def _check_duplicates(rows: list[_Row]) -> None:
    first_row: dict[str, int] = {}
    for row in rows:
        if not row.uscc:
            continue
        if row.uscc in first_row:
            _err(row.errors, row.rownum, "uscc", "duplicate_in_file",
                 _("The code %(code)s is also on row %(other)d; each subject may appear only once.")
                 % {"code": row.uscc, "other": first_row[row.uscc]})
        else:
            first_row[row.uscc] = row.rownum
    codes = list(first_row)
    existing: dict[str, tuple[int, str]] = {}
    for i in range(0, len(codes), 500):
        for code, pk, name in Subject.objects.filter(uscc__in=codes[i:i + 500]).values_list("uscc", "pk", "name"):
            if code:
                existing[code] = (pk, name)
    for row in rows:
        if row.uscc and row.uscc in existing:
            pk, name = existing[row.uscc]
            _err(row.errors, row.rownum, "uscc", "duplicate_uscc",
                 _("A subject with code %(code)s already exists: %(name)s (#%(id)d).")
                 % {"code": row.uscc, "name": name, "id": pk})


def check_rows(table: Table, progress: Progress | None = None) -> list[_Row]:
    lookups = _Lookups()
    rows: list[_Row] = []
    total = len(table.rows)
    for i, (rownum, record) in enumerate(table.rows, start=1):
        rows.append(_check_row(rownum, record, lookups))
        if progress:
            progress("check", i, total)
    _check_duplicates(rows)
    return rows


# --- writing --------------------------------------------------------------

_FIELD_ORDER = {key: i for i, key in enumerate(COLUMNS)}


def _error_order(error: dict[str, Any]) -> tuple[int, int]:
    """Row by row, and within a row in column order."""
    return error["row"], _FIELD_ORDER.get(error["field"], len(_FIELD_ORDER))


class _Abort(Exception):
    pass


def _write_row(row: _Row, actor: Any, reason: str) -> Subject:
    subject = services.create_subject(actor=actor, data=row.data, reason=reason)
    for domain in row.domains:
        services.add_site(actor=actor, subject=subject, kind=SiteKind.DOMAIN, address=domain, reason=reason)
    return subject


def _failure(row: _Row, exc: Exception) -> dict[str, Any]:
    if isinstance(exc, ChengxinError):
        return {"row": row.rownum, "field": exc.field or "", "code": exc.code, "message": str(exc.message)}
    return {"row": row.rownum, "field": "uscc", "code": "duplicate_uscc",
            "message": _("The record conflicts with one saved at the same time; upload the row again.")}


def import_file(
    *,
    actor: Any,
    filename: str,
    data: bytes,
    mode: str = ALL_OR_NOTHING,
    dry_run: bool = False,
    reason: str = "",
    progress: Progress | None = None,
) -> ImportResult:
    """Import subjects from a CSV/XLSX upload. Raises ValidationFailed for a
    file that cannot be used at all; row problems are in the result."""
    if actor is not None:
        check(actor, "registry.import")
    if mode not in MODES:
        raise ValidationFailed(_("Unknown import mode “%(m)s”.") % {"m": mode}, field="mode", code="invalid_choice")
    table = read_table(filename, data)
    rows = check_rows(table, progress)
    result = ImportResult(filename=PurePath(filename).name, mode=mode, dry_run=dry_run, total=len(rows))
    result.errors = sorted((e for r in rows for e in r.errors), key=_error_order)
    good = [r for r in rows if not r.errors]
    result.valid = len(good)
    if dry_run:
        result.skipped = result.total - result.valid if mode == SKIP_INVALID or not result.errors else result.total
        return result
    if mode == ALL_OR_NOTHING and result.errors:
        result.skipped = result.total
        return result

    reason = reason.strip() or f"import from {result.filename}"
    created: list[int] = []
    failures: list[dict[str, Any]] = []
    try:
        with transaction.atomic():
            for i, row in enumerate(good, start=1):
                if mode == ALL_OR_NOTHING:
                    try:
                        created.append(_write_row(row, actor, reason).pk)
                    except (ChengxinError, IntegrityError) as exc:
                        failures.append(_failure(row, exc))
                        raise _Abort from exc
                else:
                    try:
                        with transaction.atomic():  # savepoint: a failing row leaves no trace
                            created.append(_write_row(row, actor, reason).pk)
                    except (ChengxinError, IntegrityError) as exc:
                        failures.append(_failure(row, exc))
                if progress:
                    progress("import", i, len(good))
    except _Abort:
        created = []
    if failures:
        result.errors = sorted(result.errors + failures, key=_error_order)
    result.created_ids = created
    result.imported = len(created)
    result.skipped = result.total - result.imported
    return result


def field_label(key: str) -> str:
    label = FIELD_LABELS.get(key)
    return str(label) if label is not None else key
