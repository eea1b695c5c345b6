"""Reading an uploaded CSV or XLSX file into a table of cells, the first of
the import's three steps (`importer`): the header mapped to the import
columns, the rows as (spreadsheet row number, column key -> cell value).
Files that are too big, have too many rows, are empty, are not UTF-8 /
GB18030 text (CSV) or not a workbook (XLSX), or have unknown, repeated or
missing columns are refused with a `ValidationFailed` (field "file");
nothing here touches the database.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from chengxin.core.errors import ValidationFailed

# Column key -> accepted header spellings (compared after `_header_key`).
# The first two are the canonical English and Chinese headers.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "名称", "主体名称", "企业名称", "商家名称"),
    "kind": ("kind", "类型", "主体类型"),
    "uscc": ("uscc", "统一社会信用代码", "信用代码"),
    "id_number": ("id_number", "身份证号", "身份证号码", "居民身份证号码"),
    "legal_representative": ("legal_representative", "法定代表人", "法人代表", "经营者"),
    "address": ("address", "地址", "住所"),
    "province": ("province", "省份", "省"),
    "city": ("city", "城市", "市"),
    "industry": ("industry", "行业"),
    "contact_name": ("contact_name", "联系人"),
    "contact_phone": ("contact_phone", "联系电话", "电话", "手机"),
    "contact_email": ("contact_email", "电子邮箱", "邮箱", "email", "e_mail"),
    "sites": ("sites", "网站", "域名"),
}
REQUIRED_COLUMNS = ("name", "kind", "province")
# Written by our own export; accepted and ignored so an export can be
# re-imported (a masked number cannot be imported).
IGNORED_COLUMNS = frozenset({"id_number_masked", "身份证号(脱敏)"})

# A workbook may not unpack to more than this many times the upload limit.
XLSX_EXPANSION_FACTOR = 20


@dataclass
class Table:
    # column key per position; "" for an ignored column, None for a blank header
    columns: list[str | None]
    rows: list[tuple[int, dict[str, Any]]]  # (spreadsheet row number, key -> cell value)


def _refuse(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, field="file", code=code,
                            errors=[{"field": "file", "code": code, "message": message}])


# --- reading --------------------------------------------------------------

def _header_key(value: Any) -> str:
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip().casefold()
    text = text.strip("*\ufeff").strip()
    return re.sub(r"[\s\-]+", "_", text)


_HEADER_LOOKUP = {_header_key(alias): key for key, aliases in COLUMNS.items() for alias in aliases}
_IGNORED_KEYS = frozenset(_header_key(c) for c in IGNORED_COLUMNS)


def _map_header(cells: list[Any]) -> list[str | None]:
    columns: list[str | None] = []
    unknown: list[str] = []
    seen: dict[str, str] = {}
    duplicates: list[str] = []
    for cell in cells:
        raw = "" if cell is None else str(cell).strip()
        key = _header_key(cell)
        if not key:
            columns.append(None)
            continue
        if key in _IGNORED_KEYS:
            columns.append("")
            continue
        mapped = _HEADER_LOOKUP.get(key)
        if mapped is None:
            unknown.append(raw)
            columns.append("")
        elif mapped in seen:
            duplicates.append(f"{seen[mapped]} / {raw}")
            columns.append("")
        else:
            seen[mapped] = raw
            columns.append(mapped)
    if unknown:
        accepted = ", ".join(f"{aliases[0]}/{aliases[1]}" for aliases in COLUMNS.values())
        raise _refuse(
            _("Unknown column(s): %(cols)s. Accepted columns are: %(accepted)s.")
            % {"cols": ", ".join(f"“{u}”" for u in unknown), "accepted": accepted},
            "unknown_columns",
        )
    if duplicates:
        raise _refuse(
            _("These columns appear more than once: %(cols)s.") % {"cols": ", ".join(duplicates)},
            "duplicate_columns",
        )
    missing = [k for k in REQUIRED_COLUMNS if k not in seen]
    if missing:
        raise _refuse(
            _("Required column(s) missing: %(cols)s.")
            % {"cols": ", ".join(f"{COLUMNS[k][0]}/{COLUMNS[k][1]}" for k in missing)},
            "missing_columns",
        )
    return columns


def _blank(values: Iterable[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _build_table(raw_rows: Iterable[tuple[int, list[Any]]]) -> Table:
    max_rows = settings.CHENGXIN_IMPORT_MAX_ROWS
    columns: list[str | None] | None = None
    rows: list[tuple[int, dict[str, Any]]] = []
    for rownum, values in raw_rows:
        if _blank(values):
            continue
        if columns is None:
            columns = _map_header(list(values))
            continue
        if len(rows) >= max_rows:
            raise _refuse(
                _("The file has more than %(n)d data rows. Split it into smaller files.")
                % {"n": max_rows},
                "too_many_rows",
            )
        record: dict[str, Any] = {}
        for i, value in enumerate(values):
            key = columns[i] if i < len(columns) else None
            if key:
                record[key] = value
            elif key is None and not _blank([value]):
                raise _refuse(
                    _("Row %(row)d has a value in column %(col)d, which has no header.")
                    % {"row": rownum, "col": i + 1},
                    "cell_without_header",
                )
        rows.append((rownum, record))
    if columns is None:
        raise _refuse(_("The file is empty."), "empty_file")
    if not rows:
        raise _refuse(_("The file has a header row but no data rows."), "no_rows")
    return Table(columns=columns, rows=rows)


def _decode_csv(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _refuse(
            _("The file is saved as UTF-16 (“Unicode text”). Save it as “CSV UTF-8” instead."),
            "bad_encoding",
        )
    if data.startswith(b"PK\x03\x04"):
        raise _refuse(
            _("This looks like an Excel workbook, not a CSV file. Give it the .xlsx extension."),
            "bad_extension",
        )
    text: str | None = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise _refuse(
            _("The file cannot be read as text: it is neither UTF-8 nor GBK/GB18030. "
              "Save it as “CSV UTF-8” and try again."),
            "bad_encoding",
        )
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        raise _refuse(
            _("The file contains binary data; it is not a CSV text file."), "bad_encoding"
        )
    return text


def _sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    if counts[","]:
        return ","
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    text = _decode_csv(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise _refuse(
            _("The CSV file is malformed near line %(line)d: %(err)s")
            % {"line": reader.line_num, "err": exc},
            "bad_csv",
        ) from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    not_a_workbook = _refuse(
        _("The file is not a valid Excel workbook (.xlsx). If it is a CSV file, give it the "
          ".csv extension; an old .xls workbook must be saved as .xlsx."),
        "bad_workbook",
    )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise not_a_workbook
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise not_a_workbook from None
    if expanded > settings.CHENGXIN_IMPORT_MAX_BYTES * XLSX_EXPANSION_FACTOR:
        raise _refuse(_("The workbook unpacks to too much data."), "file_too_large")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise not_a_workbook from None
    try:
        if not workbook.worksheets:
            raise _refuse(_("The workbook has no worksheet."), "empty_file")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # do not trust the stored size
        try:
            for rownum, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield rownum, [
                    _Formula(v) if isinstance(v, ArrayFormula | DataTableFormula) else v
                    for v in values
                ]
        except ValidationFailed:
            raise
        except Exception:
            raise not_a_workbook from None
    finally:
        workbook.close()


class _Formula(str):
    """An array or data-table formula from a workbook."""

    def __new__(cls, value: Any) -> _Formula:
        return super().__new__(cls, "=" + str(getattr(value, "text", "") or ""))


def read_table(filename: str, data: bytes) -> Table:
    """Parse an upload. Raises ValidationFailed (field "file") when the file
    as a whole cannot be used."""
    max_bytes = settings.CHENGXIN_IMPORT_MAX_BYTES
    if len(data) > max_bytes:
        raise _refuse(
            _("The file is too big (%(size)s); the limit is %(max)s.")
            % {"size": _size(len(data)), "max": _size(max_bytes)},
            "file_too_large",
        )
    if not data.strip():
        raise _refuse(_("The file is empty."), "empty_file")
    ext = PurePath(filename or "").suffix.lower()
    if ext == ".csv":
        return _build_table(_csv_rows(data))
    if ext == ".xlsx":
        return _build_table(_xlsx_rows(data))
    if ext == ".xls":
        raise _refuse(
            _("Old .xls workbooks are not supported. Save the file as .xlsx or as CSV UTF-8."),
            "bad_extension",
        )
    raise _refuse(
        _("Upload a .csv or .xlsx file (this one is “%(name)s”).") % {"name": PurePath(filename or "").name},
        "bad_extension",
    )


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} B"
