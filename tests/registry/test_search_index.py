"""The indexed search (bigram tokens in SQLite FTS5 / a PostgreSQL GIN index)
finds exactly what a substring scan of search_text finds, and stays in step
with every write. Runs on whichever database the suite runs on."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chengxin.registry import search as search_module
from chengxin.registry import services
from chengxin.registry.models import Subject
from chengxin.registry.normalize import (
    MAX_PER_TOKEN,
    OVERFLOW,
    SEPARATOR,
    bigram_tokens,
    name_key,
    search_grams,
)

from ..factories import make_subject

NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
PROVINCES = ["110000", "330000"]

# characters people (and shop addresses) put into names, codes and domains
_ALPHABET = st.sampled_from(
    list("华鑫锦奇拓博广东晋城市上海秀品众快餐饮电子商务供应链有限公司杭州")
    + list("abcxyzABC019-.·（）ｘＡ１")
    + ["é", "ß", "\U0001f600", "ａ", "\u3000"]
)
_PART = st.text(_ALPHABET, min_size=1, max_size=12)
_NAME = st.lists(_PART, min_size=1, max_size=3).map(" ".join)


@st.composite
def _corpus(draw: Any) -> list[tuple[str, str]]:
    """(search_text, province) rows, search_text built as the service does it:
    parts in name_key form separated by spaces."""
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        parts = [name_key(p) for p in draw(st.lists(_NAME, min_size=1, max_size=4))]
        if draw(st.integers(0, 9)) == 0:  # now and then a text past PostgreSQL's limits
            parts.append(draw(st.sampled_from(["华鑫", "ab", "a"])) * (MAX_PER_TOKEN + 5))
        rows.append((" ".join(p for p in parts if p), draw(st.sampled_from(PROVINCES))))
    return rows


def _store(rows: list[tuple[str, str]]) -> list[int]:
    Subject.objects.all().delete()
    objs = [
        Subject(kind="organisation", name=f"s{i}", name_key=f"{text[:20]}{i:03d}", province_id=province,
                search_text=text, search_grams=search_grams(text), created_at=NOW, updated_at=NOW)
        for i, (text, province) in enumerate(rows)
    ]
    return [s.pk for s in Subject.objects.bulk_create(objs)]


def _scan(key: str, province: str = "") -> list[int]:
    qs = Subject.objects.filter(search_text__contains=key)
    if province:
        qs = qs.filter(province_id=province)
    return list(qs.order_by("name_key", "id").values_list("id", flat=True))


@st.composite
def _query(draw: Any, rows: list[tuple[str, str]]) -> str:
    text = draw(st.sampled_from(rows))[0]
    how = draw(st.integers(0, 3))
    if how == 3 or not text:  # anything, mostly not there
        return draw(st.text(_ALPHABET, min_size=1, max_size=6))
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, min(len(text), start + 8)))
    q = text[start:end]
    return q.upper() if how == 2 else q  # the query goes through name_key too


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), limits=st.sampled_from([(5000, 100), (3, 2), (1, 1), (5000, 1)]))
def test_indexed_search_finds_exactly_what_a_scan_finds(db: Any, data: Any, limits: tuple[int, int]) -> None:
    """With the thresholds patched, every plan runs: ids sorted in one or two
    steps, a walk along name_key beyond SORT_MAX."""
    rows = data.draw(_corpus())
    _store(rows)
    for _ in range(5):
        q = data.draw(_query(rows))
        province = data.draw(st.sampled_from(["", *PROVINCES]))
        key = name_key(q)
        with mock.patch.object(search_module, "SORT_MAX", limits[0]), \
                mock.patch.object(search_module, "TWO_STEP_MIN", limits[1]):
            expected = _scan(key, province) if key else _scan("", province)

            def search() -> Any:
                return services.search_subjects(q=q, province=province)  # noqa: B023

            assert [s.pk for s in search()] == expected, (q, key)
            assert search().count() == len(expected)
            # slices of fresh results, as paginators take them (each picks its own plan)
            assert [s.pk for s in search()[:2]] == expected[:2]
            assert [s.pk for s in search()[1:3]] == expected[1:3]
            assert [s.pk for s in search()[max(0, len(expected) - 1) :]] == expected[-1:]
            assert [s.pk for s in search().prefetch_related("sites")[0:50]] == expected[0:50]


def test_uses_the_index_for_two_characters_or_more(db: Any) -> None:
    if connection.vendor not in ("sqlite", "postgresql"):
        pytest.skip("no index on this database")
    _store([("杭州华鑫网络科技有限公司", "110000")])
    with mock.patch.object(search_module, "_index_ids", wraps=search_module._index_ids) as index:
        assert services.search_subjects(q="华鑫").count() == 1
        assert index.called
    with mock.patch.object(search_module, "_index_ids", wraps=search_module._index_ids) as index:
        assert services.search_subjects(q="鑫").count() == 1  # one character: the scan
        assert not index.called


def test_grams() -> None:
    assert bigram_tokens("a") == []
    assert len(bigram_tokens("华鑫网")) == 2
    assert all(t.isascii() and t.isalpha() and t.islower() and len(t) == 10 for t in bigram_tokens("华a1.\U0001f600"))
    grams = search_grams("华鑫 abc 华鑫 x")
    assert grams.split() == bigram_tokens("华鑫") + [SEPARATOR] + bigram_tokens("abc")
    assert search_grams("ab" * 300) == OVERFLOW
    many = " ".join(f"shop{i}taobao" for i in range(300))  # 300 distinct parts sharing bigrams
    assert search_grams(many) == OVERFLOW
    assert search_grams(" ".join(f"s{i}" for i in range(300))) != OVERFLOW  # SEPARATOR repeats freely


def test_a_match_never_runs_across_two_parts(db: Any) -> None:
    # "abc" then "cde": without a separator the tokens bc, cd would be adjacent
    ids = _store([("abc cde", "110000"), ("华鑫 鑫源", "110000"), ("xbcdx", "110000")])
    assert _found("bcd") == {ids[2]}
    assert _found("华鑫源") == set()
    assert _found("鑫鑫") == set()


def test_overflowing_rows_are_still_found(db: Any) -> None:
    long = "华鑫" * 300
    ids = _store([(long + " xyz", "110000"), ("华鑫", "110000")])
    assert Subject.objects.get(pk=ids[0]).search_grams == OVERFLOW
    assert [s.pk for s in services.search_subjects(q="鑫华")] == [ids[0]]
    assert {s.pk for s in services.search_subjects(q="华鑫")} == set(ids)
    assert [s.pk for s in services.search_subjects(q="xyz")] == [ids[0]]


def _found(q: str, **filters: str) -> set[int]:
    return {s.pk for s in services.search_subjects(q=q, **filters)}


def _check_fts_integrity() -> None:
    if connection.vendor == "sqlite":  # the FTS index matches the table, row for row
        with connection.cursor() as cur:
            cur.execute("INSERT INTO registry_subject_fts(registry_subject_fts, rank) VALUES ('integrity-check', 1)")


def test_index_follows_create_update_and_sites(admin_user: Any) -> None:
    a = make_subject(admin_user, name="杭州云杉电子商务有限公司")
    b = make_subject(admin_user, name="宁波青松贸易有限公司")
    assert _found("云杉电子") == {a.pk}
    assert _found(a.uscc.lower()[3:12]) == {a.pk}

    services.update_subject(actor=admin_user, subject=a, data={"name": "杭州红枫电子商务有限公司"}, reason="renamed")
    assert _found("云杉") == set()
    assert _found("红枫电子") == {a.pk}

    site = services.add_site(actor=admin_user, subject=b, kind="domain", address="https://shop.qingsong-wood.cn/")
    assert _found("qingsong-wood") == {b.pk}
    assert _found("songwoodcn") == {b.pk}  # dots and dashes are dropped, as in names
    shop = services.add_site(actor=admin_user, subject=b, kind="shop", address="https://qingsong.taobao.com/", platform="淘宝")
    assert _found("qingsongtaobao") == {b.pk}
    _check_fts_integrity()

    services.remove_site(actor=admin_user, site=site, reason="sold")
    assert _found("qingsong-wood") == set()
    assert _found("qingsongtaobao") == {b.pk}
    services.remove_site(actor=admin_user, site=shop, reason="closed")
    assert _found("taobao") == set()
    assert _found("青松贸易") == {b.pk}
    _check_fts_integrity()

    Subject.objects.filter(pk=a.pk).delete()
    assert _found("红枫") == set()
    _check_fts_integrity()


def test_uscc_query_and_filters(admin_user: Any) -> None:
    a = make_subject(admin_user, name="杭州云杉电子商务有限公司", province="330000", city="330100")
    b = make_subject(admin_user, name="宁波云杉贸易有限公司", province="330000", city="330200")
    c = make_subject(admin_user, name="北京云杉科技有限公司", kind="platform")
    assert _found(a.uscc) == {a.pk}
    assert _found(a.uscc.lower()) == {a.pk}
    assert _found("云杉") == {a.pk, b.pk, c.pk}
    assert _found("云杉", province="330000") == {a.pk, b.pk}
    assert _found("云杉", city="330200") == {b.pk}
    assert _found("云杉", kind="platform") == {c.pk}
    assert _found("云杉", province="110000", industry="F5292") == {c.pk}
    assert _found("不存在的") == set()
    names = [s.name for s in services.search_subjects(q="云杉")]
    assert names == sorted(names, key=name_key)


def test_known_count_is_dropped_by_a_further_filter(admin_user: Any) -> None:
    a = make_subject(admin_user, name="杭州云杉电子商务有限公司")
    make_subject(admin_user, name="宁波云杉贸易有限公司")
    result = services.search_subjects(q="云杉")
    assert result.count() == 2
    assert result.filter(pk=a.pk).count() == 1
    assert result.exclude(pk=a.pk).count() == 1


def test_index_exists_after_all_migrations(db: Any) -> None:
    """A later migration that rebuilds registry_subject on SQLite drops the
    triggers: it must create them again (migration 0004's `create`)."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'registry_subject'")
            assert {r[0] for r in cur.fetchall()} >= {
                "registry_subject_fts_ai", "registry_subject_fts_ad", "registry_subject_fts_au"}
            cur.execute("SELECT sql FROM sqlite_master WHERE name = 'registry_subject_fts'")
            assert "fts5" in cur.fetchone()[0]
        elif connection.vendor == "postgresql":
            cur.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'registry_subject_search_vector'")
            assert "gin" in cur.fetchone()[0]
        else:
            pytest.skip("no index on this database")


def test_sqlflush_leaves_the_fts_tables_to_the_triggers(db: Any, capsys: Any) -> None:
    call_command("sqlflush")
    out = capsys.readouterr().out
    assert "registry_subject" in out
    assert "registry_subject_fts" not in out


def test_search_page_selects_show_the_chosen_values(client: Any, db: Any) -> None:
    """The province/industry <select>s are fragment-cached: per chosen value."""
    chosen = client.get("/search", {"q": "云杉", "province": "330000"}).content.decode()
    assert 'value="330000" selected' in chosen
    plain = client.get("/search", {"q": "云杉"}).content.decode()
    assert 'value="330000" selected' not in plain and 'value="330000"' in plain
    assert 'value="330000" selected' in client.get("/search", {"q": "x", "province": "330000"}).content.decode()
