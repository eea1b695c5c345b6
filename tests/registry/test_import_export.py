"""Bulk import (CSV, GBK CSV, XLSX) with a per-row report, and CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from chengxin.core.errors import PermissionDenied, ValidationFailed
from chengxin.ledger.models import AuditEntry
from chengxin.registry import exporter, importer
from chengxin.registry.models import Site, Subject
from tests.factories import make_id_number, make_subject, make_uscc

pytestmark = pytest.mark.django_db

EN_HEADER = [
    "name", "kind", "uscc", "id_number", "legal_representative", "address", "province", "city",
    "industry", "contact_name", "contact_phone", "contact_email", "sites",
]
ZH_HEADER = [
    "名称", "类型", "统一社会信用代码", "身份证号", "法定代表人", "地址", "省份", "城市", "行业",
    "联系人", "联系电话", "电子邮箱", "网站",
]


def org(name: str, uscc: str | None = None, **kw: str) -> list[str]:
    row = {
        "name": name, "kind": "organisation", "uscc": make_uscc() if uscc is None else uscc,
        "id_number": "", "legal_representative": "王小明", "address": "杭州市西湖区文三路1号",
        "province": "330000", "city": "330100", "industry": "F5292", "contact_name": "李娜",
        "contact_phone": "13800138000", "contact_email": "a@example.com", "sites": "",
    }
    row.update(kw)
    return [row[k] for k in EN_HEADER]


def person(name: str, **kw: str) -> list[str]:
    fields = {"uscc": "", "kind": "individual", "id_number": make_id_number(), **kw}
    return org(name, **fields)


def to_csv(header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def to_xlsx(header: list[Any], rows: list[list[Any]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(data: bytes, filename: str = "subjects.csv", actor: Any = None, **kw: Any) -> importer.ImportResult:
    return importer.import_file(actor=actor, filename=filename, data=data, **kw)


def codes(result: importer.ImportResult) -> set[tuple[int, str, str]]:
    return {(e["row"], e["field"], e["code"]) for e in result.errors}


def refusal(data: bytes, filename: str = "subjects.csv") -> ValidationFailed:
    before = Subject.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as info:
        run(data, filename)
    assert (Subject.objects.count(), AuditEntry.objects.count()) == before
    assert info.value.field == "file"
    return info.value


# --- formats ----------------------------------------------------------------

def test_utf8_csv_imports_subjects_sites_and_audits(reviewer):
    data = to_csv(EN_HEADER, [
        org("杭州甲公司", sites="jia.example.com; https://www.jia.example.com/shop  jia.example.com"),
        person("张三的小店"),
    ])
    result = run(data, actor=reviewer, reason="first load")
    assert result.ok, result.errors
    assert (result.total, result.imported, result.skipped) == (2, 2, 0)
    first, second = (Subject.objects.get(pk=pk) for pk in result.created_ids)
    assert first.name == "杭州甲公司" and first.city_id == "330100"
    assert sorted(s.domain for s in first.sites.all()) == ["jia.example.com", "www.jia.example.com"]
    assert all(s.verified_at is None for s in first.sites.all())
    assert second.kind == "individual" and second.id_number_masked and second.uscc is None
    entry = AuditEntry.objects.filter(action="subject.create", object_id=str(first.pk)).get()
    assert entry.reason == "first load" and entry.actor_id == reviewer.pk
    assert AuditEntry.objects.filter(action="site.add").count() == 2


def test_utf8_bom_csv_with_semicolons(reviewer):
    text = "\ufeffname;kind;province\n杭州乙平台;platform;浙江\n"
    result = run(text.encode("utf-8"), actor=reviewer)
    assert codes(result) == {(2, "uscc", "required")}
    text = f"\ufeffname;kind;province;uscc\n杭州乙平台;平台;浙江;{make_uscc()}\n"
    result = run(text.encode("utf-8"), actor=reviewer)
    assert result.ok and Subject.objects.get(pk=result.created_ids[0]).kind == "platform"


def test_gbk_csv_with_chinese_headers_names_and_labels(reviewer):
    rows = [
        org("杭州丙有限公司", kind="企业", province="浙江", city="杭州"),
        org("宁波丁有限公司", kind="组织", province="浙江省", city="宁波市", industry="互联网零售"),
        person("个体户王五", kind="个体工商户", province="北京", city="北京"),
        person("群主赵六", kind="群主/社区管理者", province="内蒙古", city="呼和浩特"),
    ]
    data = to_csv(ZH_HEADER, rows, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result = run(data, actor=reviewer)
    assert result.ok, result.errors
    got = [Subject.objects.get(pk=pk) for pk in result.created_ids]
    assert [(s.kind, s.province_id, s.city_id) for s in got] == [
        ("organisation", "330000", "330100"),
        ("organisation", "330000", "330200"),
        ("individual", "110000", "110100"),
        ("community_manager", "150000", "150100"),
    ]
    assert got[1].industry_id == "F5292"


def test_xlsx_import_with_numbers_and_formula(reviewer):
    header = ["名称", "类型", "统一社会信用代码", "省份", "城市", "联系电话", "网站"]
    good = make_uscc()
    rows = [
        ["温州戊公司", "企业", good, "330000", 330300, 13800138000, "wu.example.com"],
        ["=HYPERLINK(\"http://evil.example\",\"点我\")", "企业", make_uscc(), "浙江", "温州", "", ""],
        ["温州己公司", "企业", make_uscc(), "浙江", "温州", "+86 138 0013 8000", ""],
    ]
    result = run(to_xlsx(header, rows), "subjects.xlsx", actor=reviewer, mode="skip-invalid")
    assert codes(result) == {(3, "name", "formula")}
    assert result.imported == 2 and result.skipped == 1
    first = Subject.objects.get(uscc=good)
    assert first.city_id == "330300" and first.contact_phone == "13800138000"
    assert [s.domain for s in first.sites.all()] == ["wu.example.com"]
    assert Subject.objects.get(name="温州己公司").contact_phone == "+86 138 0013 8000"


def test_region_names_must_be_unambiguous(reviewer):
    rows = [
        org("甲", province="江", city=""),  # too short to guess
        org("乙", province="吉林", city="吉林"),  # province 吉林省, city 吉林市
        org("丙", province="浙江", city="南京"),  # a real city, but not in 浙江
        org("丁", province="Zhejiang", city="Hangzhou"),
    ]
    result = run(to_csv(EN_HEADER, rows), actor=reviewer, mode="skip-invalid")
    assert codes(result) == {(2, "province", "unknown_region"), (4, "city", "region_mismatch")}
    got = {s.name: (s.province_id, s.city_id) for s in Subject.objects.all()}
    assert got == {"乙": ("220000", "220200"), "丁": ("330000", "330100")}


def test_exported_masked_column_is_ignored_on_import(reviewer):
    data = to_csv(["name", "kind", "uscc", "id_number_masked", "province"],
                  [["甲", "organisation", make_uscc(), "1101**********1234", "110000"]])
    assert run(data, actor=reviewer).imported == 1


def test_xlsx_code_stored_as_number_is_reported(reviewer):
    rows = [["个体户", "individual", 1.10101199003071e17, "110000"]]
    result = run(to_xlsx(["name", "kind", "id_number", "province"], rows), "a.xlsx", actor=reviewer)
    assert codes(result) == {(2, "id_number", "number_cell")}
    assert Subject.objects.count() == 0


# --- modes ------------------------------------------------------------------

def test_all_or_nothing_leaves_database_unchanged(reviewer):
    make_subject(reviewer)
    before = Subject.objects.count(), Site.objects.count(), AuditEntry.objects.count()
    data = to_csv(EN_HEADER, [org("好公司一", sites="a.example.com"), org("坏公司", uscc="91110105MA0000000X"), org("好公司二")])
    result = run(data, actor=reviewer)
    assert result.imported == 0 and result.created_ids == [] and result.skipped == 3
    assert codes(result) == {(3, "uscc", "invalid_uscc")}
    assert (Subject.objects.count(), Site.objects.count(), AuditEntry.objects.count()) == before


def test_all_or_nothing_rolls_back_a_failure_while_writing(reviewer, monkeypatch):
    data = to_csv(EN_HEADER, [org("甲"), org("乙")])
    real = importer.services.create_subject
    calls = []

    def flaky(**kw: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise ValidationFailed("boom", field="name", code="boom")
        return real(**kw)

    monkeypatch.setattr(importer.services, "create_subject", flaky)
    audit_before = AuditEntry.objects.count()
    result = run(data, actor=reviewer)
    assert result.imported == 0 and codes(result) == {(3, "name", "boom")}
    assert Subject.objects.count() == 0 and AuditEntry.objects.count() == audit_before


def test_skip_invalid_imports_good_rows_and_reports_bad_ones(reviewer):
    rows = [
        org("好公司甲"),
        org("<script>alert(1)</script>公司"),
        org("好公司乙"),
        org("坏地区公司", province="火星", city="杭州", contact_email="not-an-email"),
        person("没有身份证的个体户", id_number="110101199003071235"),
        org("", kind="外星人"),
        org("好公司丙", sites="bad_domain!"),
    ]
    result = run(to_csv(EN_HEADER, rows), actor=reviewer, mode="skip-invalid")
    assert codes(result) == {
        (3, "name", "unsafe_text"),
        (5, "province", "unknown_region"),
        (5, "contact_email", "invalid_email"),
        (6, "id_number", "invalid_id_number"),
        (7, "name", "required"),
        (7, "kind", "invalid_choice"),
        (8, "sites", "invalid_domain"),
    }
    # row by row, and within a row in column order
    assert [(e["row"], e["field"]) for e in result.errors] == [
        (3, "name"), (5, "province"), (5, "contact_email"), (6, "id_number"),
        (7, "name"), (7, "kind"), (8, "sites"),
    ]
    assert (result.total, result.imported, result.skipped) == (7, 2, 5)
    assert set(Subject.objects.values_list("name", flat=True)) == {"好公司甲", "好公司乙"}
    assert set(Subject.objects.values_list("pk", flat=True)) == set(result.created_ids)


def test_dry_run_writes_nothing(reviewer):
    data = to_csv(EN_HEADER, [org("甲"), org("")])
    audit_before = AuditEntry.objects.count()
    result = run(data, actor=reviewer, mode="skip-invalid", dry_run=True)
    assert (result.total, result.valid, result.imported) == (2, 1, 0)
    assert codes(result) == {(3, "name", "required")}
    assert Subject.objects.count() == 0 and AuditEntry.objects.count() == audit_before


def test_import_needs_the_permission(consumer):
    with pytest.raises(PermissionDenied):
        run(to_csv(EN_HEADER, [org("甲")]), actor=consumer)
    assert Subject.objects.count() == 0


# --- duplicates -------------------------------------------------------------

def test_duplicate_codes_in_file_and_against_database(reviewer):
    existing = make_subject(reviewer)
    code = make_uscc()
    rows = [
        org("甲", uscc=code),
        org("乙", uscc=existing.uscc),
        org("丙", uscc=code.lower()),  # the same code, written differently
        org("丁"),
    ]
    result = run(to_csv(EN_HEADER, rows), actor=reviewer, mode="skip-invalid")
    assert codes(result) == {(3, "uscc", "duplicate_uscc"), (4, "uscc", "duplicate_in_file")}
    by_row = {e["row"]: e["message"] for e in result.errors}
    assert f"#{existing.pk}" in by_row[3]
    assert "2" in by_row[4]
    assert result.imported == 2
    assert Subject.objects.filter(uscc=code).count() == 1


# --- refused files ----------------------------------------------------------

def test_oversized_file_refused(settings):
    settings.CHENGXIN_IMPORT_MAX_BYTES = 100
    data = to_csv(EN_HEADER, [org("甲")])
    assert len(data) > 100
    assert refusal(data).code == "file_too_large"


def test_too_many_rows_refused(settings):
    settings.CHENGXIN_IMPORT_MAX_ROWS = 2
    assert refusal(to_csv(EN_HEADER, [org("甲"), org("乙"), org("丙")])).code == "too_many_rows"


@pytest.mark.parametrize("data", [b"", b"  \r\n", b"\xef\xbb\xbf", b"\n\n,,,\n"])
def test_empty_file_refused(data):
    assert refusal(data).code == "empty_file"


def test_header_only_refused():
    assert refusal(to_csv(EN_HEADER, [])).code == "no_rows"


def test_garbage_bytes_refused_with_clear_message():
    err = refusal(bytes([0x81, 0xFF, 0xFE, 0x00, 0x80, 0x7F, 0xC3]) * 50)
    assert err.code == "bad_encoding"
    assert "UTF-8" in str(err.message) and "GB" in str(err.message)


def test_binary_that_happens_to_decode_is_refused():
    assert refusal(b"name,kind\x00\x01\x02\n").code == "bad_encoding"


def test_xlsx_that_is_a_text_file_refused():
    err = refusal(to_csv(EN_HEADER, [org("甲")]), "subjects.xlsx")
    assert err.code == "bad_workbook"


def test_corrupt_zip_named_xlsx_refused():
    data = to_xlsx(EN_HEADER, [org("甲")])
    assert refusal(data[:200] + b"\x00" * 50 + data[250:], "subjects.xlsx").code == "bad_workbook"


def test_workbook_named_csv_refused():
    assert refusal(to_xlsx(EN_HEADER, [org("甲")]), "subjects.csv").code == "bad_extension"


@pytest.mark.parametrize("filename", ["subjects.txt", "subjects.xls", "subjects"])
def test_wrong_extension_refused(filename):
    assert refusal(to_csv(EN_HEADER, [org("甲")]), filename).code == "bad_extension"


def test_unknown_headers_are_named():
    err = refusal(to_csv(["name", "kind", "province", "颜色", "shoe size"], [["甲", "企业", "浙江", "红", "42"]]))
    assert err.code == "unknown_columns"
    assert "颜色" in str(err.message) and "shoe size" in str(err.message)


def test_missing_required_column_refused():
    assert refusal(to_csv(["name", "uscc"], [["甲", make_uscc()]])).code == "missing_columns"


def test_duplicate_column_refused():
    assert refusal(to_csv(["name", "名称", "kind", "province"], [["甲", "甲", "企业", "浙江"]])).code == "duplicate_columns"


def test_value_without_header_refused():
    assert refusal(to_csv(["name", "kind", "province"], [["甲", "企业", "浙江", "x"]])).code == "cell_without_header"


@pytest.mark.parametrize("value", ["=1+1", "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3", "'=1+1"])
def test_formula_cells_refused(reviewer, value):
    result = run(to_csv(EN_HEADER, [org("甲", address=value)]), actor=reviewer)
    assert codes(result) == {(2, "address", "formula")}
    assert Subject.objects.count() == 0


# --- page -------------------------------------------------------------------

def upload(client: Any, data: bytes, filename: str = "subjects.csv", **fields: Any) -> Any:
    payload = {"file": SimpleUploadedFile(filename, data), "mode": "all-or-nothing", **fields}
    return client.post(reverse("registry:import"), payload)


def test_page_shows_form_and_report(reviewer, login):
    client = login(reviewer)
    page = client.get(reverse("registry:import"))
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.content and b'name="dry_run"' in page.content

    data = to_csv(EN_HEADER, [org("甲"), org("乙", contact_email="nope")])
    response = upload(client, data, mode="skip-invalid", reason="batch 7")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-report"' in html and 'id="import-summary"' in html
    assert "<td>3</td>" in html and "<code>contact_email</code>" in html
    result = response.context["result"]
    assert (result.imported, result.skipped) == (1, 1)
    assert Subject.objects.get().name == "甲"


def test_page_dry_run_and_all_or_nothing(reviewer, login):
    client = login(reviewer)
    data = to_csv(EN_HEADER, [org("甲"), org("乙", kind="")])
    response = upload(client, data, dry_run="on")
    assert response.context["result"].dry_run and Subject.objects.count() == 0
    response = upload(client, data)
    assert response.context["result"].imported == 0 and Subject.objects.count() == 0
    assert "<td>3</td>" in response.content.decode()


def test_page_refused_file_shows_error(reviewer, login, settings):
    settings.CHENGXIN_IMPORT_MAX_BYTES = 50
    response = upload(login(reviewer), to_csv(EN_HEADER, [org("甲")]))
    assert response.status_code == 200
    assert response.context["result"] is None
    assert response.context["form"].errors["file"]
    assert Subject.objects.count() == 0


def test_page_consumer_forbidden_anonymous_redirected(client, consumer, login):
    url = reverse("registry:import")
    response = client.get(url)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    response = upload(client, to_csv(EN_HEADER, [org("甲")]))
    assert response.status_code == 302 and Subject.objects.count() == 0
    login(consumer)
    assert client.get(url).status_code == 403
    assert upload(client, to_csv(EN_HEADER, [org("甲")])).status_code == 403
    assert Subject.objects.count() == 0


def test_staff_list_links_to_import_and_export(reviewer, login):
    response = login(reviewer).get(reverse("registry:staff_subjects"))
    assert response.status_code == 200
    assert reverse("registry:import").encode() in response.content
    assert reverse("registry:export").encode() in response.content


# --- export -----------------------------------------------------------------

def read_export(response: Any) -> tuple[bytes, list[dict[str, str]]]:
    body = b"".join(response.streaming_content)
    return body, list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_export_streams_masked_csv(reviewer, login):
    id_number = make_id_number()
    person_subject = make_subject(reviewer, kind="individual", uscc="", id_number=id_number, name="个体户甲")
    org_subject = make_subject(reviewer, name="=HYPERLINK(\"http://x\")公司", contact_phone="+86 138 0013 8000")
    importer.services.add_site(actor=reviewer, subject=org_subject, kind="domain", address="org.example.com")
    response = login(reviewer).get(reverse("registry:export"))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body, rows = read_export(response)
    assert body.startswith(b"\xef\xbb\xbf")
    assert id_number.encode() not in body
    assert list(rows[0]) == list(exporter.EXPORT_COLUMNS)
    by_name = {r["name"]: r for r in rows}
    assert by_name["个体户甲"]["id_number_masked"] == person_subject.id_number_masked
    assert "*" in person_subject.id_number_masked
    org_row = by_name["'=HYPERLINK(\"http://x\")公司"]
    assert org_row["contact_phone"] == "'+86 138 0013 8000"
    assert org_row["sites"] == "org.example.com"
    assert org_row["uscc"] == org_subject.uscc
    assert AuditEntry.objects.filter(action="subject.export", actor_id=reviewer.pk).exists()


def test_export_applies_filters(reviewer, login):
    make_subject(reviewer, name="北京甲公司")
    make_subject(reviewer, name="杭州乙公司", province="330000", city="330100")
    client = login(reviewer)
    _, rows = read_export(client.get(reverse("registry:export"), {"province": "330000"}))
    assert [r["name"] for r in rows] == ["杭州乙公司"]
    _, rows = read_export(client.get(reverse("registry:export"), {"q": "北京甲"}))
    assert [r["name"] for r in rows] == ["北京甲公司"]
    assert client.get(reverse("registry:export"), {"province": "999999"}).status_code == 422


def test_export_permission(client, consumer, login):
    url = reverse("registry:export")
    assert client.get(url).status_code == 302
    login(consumer)
    assert client.get(url).status_code == 403


def test_export_then_import_round_trip(reviewer, admin_user):
    make_subject(reviewer, name="往返公司", address="-", contact_phone="+86 10 1234 5678")
    make_subject(reviewer, kind="individual", uscc="", id_number=make_id_number(), name="往返个体户")
    body = "".join(exporter.export_subjects(actor=reviewer)).encode("utf-8")
    Subject.objects.all().delete()
    result = run(body, actor=admin_user, mode="skip-invalid")
    # the organisation comes back; the natural person cannot (no plaintext number)
    assert [(e["field"], e["code"]) for e in result.errors] == [("id_number", "required")]
    assert Subject.objects.get().contact_phone == "+86 10 1234 5678"


# --- command line -----------------------------------------------------------

def test_cli_import_skip_invalid_prints_report(tmp_path, reviewer):
    path = tmp_path / "subjects.csv"
    path.write_bytes(to_csv(EN_HEADER, [org("甲"), org("乙", uscc="123")]))
    out, err = io.StringIO(), io.StringIO()
    call_command("import", str(path), mode="skip-invalid", actor=reviewer.username,
                 reason="cli", progress="always", stdout=out, stderr=err)
    assert "row 3: uscc:" in out.getvalue() and "[invalid_uscc]" in out.getvalue()
    assert Subject.objects.get().name == "甲"
    assert "100%" in err.getvalue() and "\r" in err.getvalue()
    assert AuditEntry.objects.get(action="subject.create").reason == "cli"


def test_cli_import_all_or_nothing_fails_and_writes_nothing(tmp_path):
    path = tmp_path / "subjects.xlsx"
    path.write_bytes(to_xlsx(EN_HEADER, [org("甲"), org("乙", uscc="123")]))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", str(path), stdout=out, stderr=io.StringIO())
    assert "row 3: uscc:" in out.getvalue()
    assert Subject.objects.count() == 0


def test_cli_import_dry_run_and_bad_files(tmp_path):
    path = tmp_path / "subjects.csv"
    path.write_bytes(to_csv(EN_HEADER, [org("甲")]))
    call_command("import", str(path), dry_run=True, stdout=io.StringIO(), stderr=io.StringIO())
    assert Subject.objects.count() == 0
    call_command("import", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert Subject.objects.count() == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x81\xff" * 10)
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("import", str(bad), stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError):
        call_command("import", str(tmp_path / "missing.csv"), stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError):
        call_command("import", str(path), actor="nobody", stdout=io.StringIO(), stderr=io.StringIO())


def test_cli_export(tmp_path, reviewer):
    id_number = make_id_number()
    make_subject(reviewer, kind="individual", uscc="", id_number=id_number, name="个体户乙")
    make_subject(reviewer, name="杭州丙公司", province="330000", city="330100")
    path = tmp_path / "out.csv"
    call_command("export", output=str(path), stderr=io.StringIO())
    body = path.read_bytes()
    assert body.startswith(b"\xef\xbb\xbf") and id_number.encode() not in body
    assert len(list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))) == 2
    out = io.StringIO()
    call_command("export", province="330000", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    assert [r["name"] for r in rows] == ["杭州丙公司"]
    with pytest.raises(CommandError):
        call_command("export", province="999999", stdout=io.StringIO())
