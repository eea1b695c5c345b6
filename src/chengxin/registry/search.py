"""Subject search.

A query is matched as a substring of search_text (name key, code, domains),
after name_key(). One character: a scan of search_text. Two or more: the
bigram index (normalize.search_grams; migration 0004), which finds exactly
the rows the scan would find. The index is read once: up to SORT_MAX
matching ids (filters applied), whose number is the count. A page is those
rows sorted by name. SQLite: the ids come straight from the FTS index; a
page's ids are sorted through the narrow (id, name_key) index, then the
page's rows are read. PostgreSQL: the matching rows are read from the heap
anyway (a GIN index holds no ids), so the one query that reads them returns
the ids already sorted by name_key (a materialised CTE, so that the planner
cannot walk the name_key index instead, testing every row against an id
list: 0.5 s for 深圳); a page is a slice of them. Beyond SORT_MAX matches (a
broad term) the matches are counted once, and a page that the sorted ids do
not cover is found by walking name_key in order: at that density it soon
has enough rows. (Walking for fewer matches would not pay: matches of a
prefix such as 广东 are all in one stretch of name_key.)
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.db.models.query import ModelIterable

from chengxin.core import fastsql

from .models import Subject
from .normalize import OVERFLOW, bigram_tokens, name_key

SORT_MAX = 5000
TWO_STEP_MIN = 100  # from this many matches, sort the ids first, then fetch a page's rows


class SearchResults(QuerySet[Subject]):
    """Search matches whose count is already known (`known_count`), with the
    matching ids when there are at most SORT_MAX (`match_ids`) and the
    condition to walk name_key with (`walk`). Slicing picks the cheaper plan.
    Any further filter forgets all that and leaves a plain query."""

    known_count: int | None = None
    match_ids: list[int] | None = None
    ids_sorted: bool = False  # match_ids are the first matches in (name_key, id) order
    walk: Any = None

    def _clone(self) -> SearchResults:
        clone: SearchResults = super()._clone()  # type: ignore[misc]
        clone.known_count, clone.match_ids, clone.walk = self.known_count, self.match_ids, self.walk
        clone.ids_sorted = self.ids_sorted
        return clone

    def _filter_or_exclude(self, negate: bool, args: Any, kwargs: Any) -> SearchResults:
        clone: SearchResults = super()._filter_or_exclude(negate, args, kwargs)  # type: ignore[misc]
        clone.known_count = clone.match_ids = clone.walk = None
        clone.ids_sorted = False
        return clone

    def count(self) -> int:
        if self.known_count is None or self._result_cache is not None or self.query.is_empty():
            return super().count()
        low, high = self.query.low_mark, self.query.high_mark
        n = max(0, self.known_count - low)
        return n if high is None else min(n, high - low)

    def _plain(self, where: Any) -> QuerySet[Subject]:
        this: Any = self
        qs: Any = (
            Subject.objects.using(self.db).select_related("province", "city", "industry")
            .filter(where).order_by("name_key", "id")
        )
        qs._prefetch_related_lookups = this._prefetch_related_lookups
        return qs  # type: ignore[no-any-return]

    def _rows(self, ids: list[int]) -> list[Subject]:
        """The subjects `ids` in (name_key, id) order, as _plain(id in ids) would
        give them, through pre-built SQL (no ORM query to compile)."""
        rows = _rows_by_ids(ids, self.db)
        lookups = getattr(self, "_prefetch_related_lookups", ())  # QuerySet's own, not in the stubs
        if lookups:
            prefetch_related_objects(rows, *lookups)
        return rows

    def _whole_rows(self) -> bool:
        """Model instances with all their fields (not values(), only(), annotate())."""
        q = self.query
        return self._iterable_class is ModelIterable and not q.annotations and q.deferred_loading == (frozenset(), True)

    def __getitem__(self, k: Any) -> Any:
        n = self.known_count
        if n is None or not isinstance(k, slice) or self._result_cache is not None or self.query.is_sliced:
            return super().__getitem__(k)
        ids = self.match_ids
        if ids is not None and k.step is None and self._whole_rows() and (self.ids_sorted or n < TWO_STEP_MIN):
            start = k.start or 0
            stop = n if k.stop is None else min(k.stop, n)
            if stop <= start:
                return []
            if not self.ids_sorted:  # a few matches: read them all, sorted
                return self._rows(ids)[start:stop]
            if stop <= len(ids):  # the page is a slice of the sorted ids
                return self._rows(ids[start:stop])
        if ids is not None and self.ids_sorted:
            ids = None  # a page beyond the sorted ids (a broad term), or another kind of rows: walk
        if ids is None:
            if self.walk is None:
                return super().__getitem__(k)
            return self._plain(self.walk)[k]
        if n < TWO_STEP_MIN:
            return super().__getitem__(k)
        # sort the matching ids only, through the (id, name_key) index, then fetch the page's rows
        start = k.start or 0
        stop = n if k.stop is None else min(k.stop, n)
        if stop <= start:
            return self.none()
        page = _sorted_ids(ids, start, stop, self.db)
        return self._rows(page) if self._whole_rows() else self._plain(Q(id__in=page))


def _rows_by_ids(ids: list[int], using: str) -> list[Subject]:
    """Subjects by id, in (name_key, id) order, with province, city and industry
    attached as select_related attaches them. Per request, building the ORM
    query for this (select_related, compile) cost more than reading the rows:
    `fastsql` builds the SQL and the column converters once per database."""
    from django.db import connections

    param: Any
    if connections[using].vendor == "postgresql":
        where, param = "t.id = ANY(%s)", list(ids)
    else:
        where, param = "t.id IN (SELECT value FROM json_each(%s))", json.dumps(list(ids))
    return fastsql.select(Subject, where, [param], related=("province", "city", "industry"),
                          order_by="t.name_key, t.id", using=using)


def _like(key: str) -> str:
    return "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _index_ids(key: str, uscc: str | None, columns: str = "id") -> tuple[str, tuple[str, ...]] | None:
    """SQL for the ids of the subjects whose search_text contains `key` (two
    or more characters, no whitespace), from the index; None without one.
    On PostgreSQL it can select other `columns` of the matching rows too."""
    tokens = bigram_tokens(key)
    if not tokens:
        return None
    if connection.vendor == "sqlite":
        sql = (
            "SELECT rowid FROM registry_subject_fts WHERE registry_subject_fts MATCH %s"
            " UNION ALL SELECT id FROM registry_subject WHERE id IN ("
            "SELECT rowid FROM registry_subject_fts WHERE registry_subject_fts MATCH %s)"
            " AND search_text LIKE %s ESCAPE '\\'"
        )
        params: tuple[str, ...] = ('"' + " ".join(tokens) + '"', OVERFLOW, _like(key))
    elif connection.vendor == "postgresql":
        sql = (
            f"SELECT {columns} FROM registry_subject WHERE search_vector @@ to_tsquery('simple', %s)"  # noqa: S608
            " OR (search_vector @@ to_tsquery('simple', %s) AND search_text LIKE %s)"
        )
        params = (" <-> ".join(tokens), OVERFLOW, _like(key))
    else:
        return None
    if uscc:
        sql += f" UNION SELECT {columns if connection.vendor == 'postgresql' else 'id'} FROM registry_subject WHERE uscc = %s"  # noqa: S608
        params += (uscc,)
    return sql, params


def _first_sorted(sql: str, params: tuple[Any, ...]) -> list[int]:
    """PostgreSQL: the ids of the rows `sql` selects (columns id, name_key),
    in (name_key, id) order, at most SORT_MAX + 1. MATERIALIZED keeps the
    planner from walking the name_key index instead."""
    with connection.cursor() as cur:
        cur.execute(
            f"WITH matches AS MATERIALIZED ({sql}) SELECT id FROM matches"  # noqa: S608 (constant SQL)
            f" ORDER BY name_key, id LIMIT {SORT_MAX + 1}", params,
        )
        return [row[0] for row in cur.fetchall()]


def _sorted_ids(ids: list[int], start: int, stop: int, using: str) -> list[int]:
    """ids[start:stop] in (name_key, id) order."""
    from django.db import connections

    conn = connections[using]
    if conn.vendor == "sqlite":  # without statistics SQLite would read the whole rows
        import json

        sql = ("SELECT id FROM registry_subject INDEXED BY registry_subject_id_name_key"
               " WHERE id IN (SELECT value FROM json_each(%s))")
        param: Any = json.dumps(ids)
    else:
        sql, param = "SELECT id FROM registry_subject WHERE id = ANY(%s)", ids
    with conn.cursor() as cur:
        cur.execute(sql + " ORDER BY name_key, id LIMIT %s OFFSET %s", (param, stop - start, start))
        return [row[0] for row in cur.fetchall()]


def _id_list(ids: list[int], using: str = "default") -> Any:
    """A condition `id in ids` with one parameter, however many ids."""
    from django.db import connections

    if connections[using].vendor == "postgresql":
        return RawSQL('"registry_subject"."id" = ANY(%s)', (ids,), output_field=BooleanField())  # noqa: S611

    return Q(id__in=RawSQL("SELECT value FROM json_each(%s)", (json.dumps(ids),)))  # noqa: S611


def search_subjects(
    *,
    q: str = "",
    province: str = "",
    city: str = "",
    industry: str = "",
    kind: str = "",
) -> QuerySet[Subject]:
    filters = Q()
    if province:
        filters &= Q(province_id=province)
    if city:
        filters &= Q(city_id=city)
    if industry:
        filters &= Q(industry_id=industry)
    if kind:
        filters &= Q(kind=kind)
    qs = Subject.objects.select_related("province", "city", "industry").filter(filters)
    key = name_key(q)
    if not key:
        return qs.order_by("name_key", "id")
    uscc_like = key.upper()
    uscc = uscc_like if len(uscc_like) == 18 and re.fullmatch(r"[0-9A-Z]{18}", uscc_like) else None
    text = Q(search_text__contains=key) | Q(uscc=uscc) if uscc else Q(search_text__contains=key)
    index = _index_ids(key, uscc) if len(key) >= 2 else None
    if index is None:
        # Order by an expression so the database filters first and sorts the
        # few matches, instead of walking the whole name_key index in order and
        # testing every row (170 ms vs 25 ms over 100,000 subjects on SQLite).
        return qs.filter(text).order_by(Lower("name_key"), "id")
    sql, params = index
    matches = RawSQL(sql, params)  # noqa: S611 (constant SQL, bound parameters)
    ids: list[int] | None
    ids_sorted = connection.vendor == "postgresql"
    if ids_sorted:
        if filters:
            inner, inner_params = (
                Subject.objects.filter(filters).filter(id__in=matches).order_by().values("id", "name_key")
                .query.sql_with_params()
            )
        else:
            inner, inner_params = _index_ids(key, uscc, columns="id, name_key")  # type: ignore[misc]
        ids = _first_sorted(inner, tuple(inner_params))
    elif filters:
        ids = list(Subject.objects.filter(filters).filter(id__in=matches).values_list("id", flat=True)[: SORT_MAX + 1])
    else:
        with connection.cursor() as cur:  # straight from the index
            cur.execute(f"SELECT * FROM ({sql}) AS matches LIMIT {SORT_MAX + 1}", params)  # noqa: S608 (constant SQL)
            ids = [row[0] for row in cur.fetchall()]
    if not ids:
        return qs.none()
    n = len(ids)
    if n > SORT_MAX:  # a broad term: count all of them, once
        ids = ids[:SORT_MAX] if ids_sorted else None
        if filters:
            n = Subject.objects.filter(filters).filter(id__in=matches).count()
        else:
            with connection.cursor() as cur:
                cur.execute(f"SELECT count(*) FROM ({sql}) AS matches", params)  # noqa: S608 (constant SQL)
                n = cur.fetchone()[0]
    # a walk along name_key tests each row with the (exact, same) substring test
    out = qs.filter(_id_list(ids)) if ids is not None and n <= SORT_MAX else qs.filter(text)
    result = SearchResults(model=Subject, query=out.order_by("name_key", "id").query, using=out.db)
    result.known_count, result.match_ids, result.walk = n, ids, filters & text
    result.ids_sorted = ids_sorted
    return result
