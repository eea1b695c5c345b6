"""Model rows read and written with SQL built once per process, for the hot
paths (an API filing, token authentication, a search page).

Per request, building an ORM query (compiling the SELECT or INSERT, its
joins, converters and placeholders) cost several times more than the
database took to run it: ~0.3-0.5 ms per statement against ~0.05 ms on
SQLite. These helpers build the statement once per (model, shape, database)
and keep it; per call they only adapt the values, as the ORM does:

* `select(Model, where, params, related=(...))` returns model instances
  (`Model.from_db`, Django's own column converters), with the foreign keys
  and one-to-one relations (either side) in `related` attached as
  `select_related` attaches them;
* `insert(obj)` writes a new row with `Field.pre_save` and
  `Field.get_db_prep_save` (what `save(force_insert=True)` sends) and sets
  the primary key; `insert_unless_exists(obj, *unique)` does it with
  `ON CONFLICT (…) DO NOTHING`.

They send no model signals (the project connects none) and support only
plain models (no multi-table inheritance, automatic primary keys for
`insert`). `tests/core/test_fastsql.py` compares them with the ORM's
results for the models that use them, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connections, transaction
from django.db.models import AutoField, BigAutoField, Model, SmallAutoField


@dataclass(frozen=True)
class _Part:
    model: type[Model]
    columns: list[tuple[Any, list[Any]]]  # (Col, converters) in concrete-field order
    pk_index: int
    fk: Any  # the main model's foreign key that attaches it (None for the main model)


_SELECTS: dict[tuple[Any, ...], tuple[str, list[_Part]]] = {}
_INSERTS: dict[tuple[Any, ...], tuple[str, list[Any], bool]] = {}


def _build_select(model: type[Model], where: str, related: tuple[str, ...], order_by: str,
                  limit: int | None, conn: Any) -> tuple[str, list[_Part]]:
    qn = conn.ops.quote_name
    cols: list[str] = []
    joins: list[str] = []
    parts: list[_Part] = []
    specs: list[tuple[str, type[Model], Any]] = [("t", model, None)]
    for i, name in enumerate(related):
        fk: Any = model._meta.get_field(name)
        if not (fk.many_to_one or fk.one_to_one):
            raise ValueError(f"{model.__name__}.{name} is neither a foreign key nor a one-to-one relation")
        specs.append((f"r{i}", fk.related_model, fk))
    for alias, m, fk in specs:
        if m._meta.parents:
            raise ValueError(f"{m.__name__}: multi-table inheritance is not supported")
        columns = []
        for f in m._meta.concrete_fields:
            col = f.get_col(alias)
            cols.append(f"{alias}.{qn(f.column)}")
            columns.append((col, conn.ops.get_db_converters(col) + col.get_db_converters(conn)))
        parts.append(_Part(m, columns, m._meta.concrete_fields.index(m._meta.pk), fk))
        if fk is not None and fk.concrete:  # forward: this row's column points at the related row
            kind = "LEFT OUTER" if fk.null else "INNER"
            joins.append(f" {kind} JOIN {qn(m._meta.db_table)} {alias}"
                         f" ON {alias}.{qn(fk.target_field.column)} = t.{qn(fk.column)}")
        elif fk is not None:  # reverse one-to-one: the related row points here, if it exists
            joins.append(f" LEFT OUTER JOIN {qn(m._meta.db_table)} {alias}"
                         f" ON {alias}.{qn(fk.field.column)} = t.{qn(fk.field.target_field.column)}")
    sql = f"SELECT {', '.join(cols)} FROM {qn(model._meta.db_table)} t{''.join(joins)} WHERE {where}"  # noqa: S608 - built from model metadata
    if order_by:
        sql += f" ORDER BY {order_by}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql, parts


def select[M: Model](model: type[M], where: str, params: list[Any] | tuple[Any, ...], *, related: tuple[str, ...] = (),
           order_by: str = "", limit: int | None = None, using: str = "default") -> list[M]:
    """Instances of `model` whose row (alias `t`) matches `where` (SQL with
    %s placeholders for `params`). `where` and `order_by` are part of the
    cache key: pass constants, never text built from input."""
    conn = connections[using]
    key = (model, where, related, order_by, limit, conn.alias, conn.vendor)
    built = _SELECTS.get(key)
    if built is None:
        built = _SELECTS[key] = _build_select(model, where, related, order_by, limit, conn)
    sql, parts = built
    with conn.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    out: list[M] = []
    for row in rows:
        pos = 0
        objs: list[Model | None] = []
        for part in parts:
            values = []
            for col, convs in part.columns:
                v = row[pos]
                pos += 1
                for c in convs:
                    v = c(v, col, conn)
                values.append(v)
            objs.append(None if values[part.pk_index] is None else part.model.from_db(using, None, values))  # type: ignore[arg-type]  # None: every concrete field, in order
        main = objs[0]
        for obj, part in zip(objs[1:], parts[1:], strict=True):
            part.fk.set_cached_value(main, obj)  # as select_related attaches it (None: there is none)
            if obj is not None and not part.fk.concrete:
                part.fk.field.set_cached_value(obj, main)  # and the way back
        out.append(main)  # type: ignore[arg-type]
    return out


def select_one[M: Model](model: type[M], where: str, params: list[Any] | tuple[Any, ...], *,
               related: tuple[str, ...] = (), using: str = "default") -> M | None:
    """The one instance matching `where` (a unique key), or None."""
    found = select(model, where, params, related=related, limit=1, using=using)
    return found[0] if found else None


def _build_insert(model: type[Model], conflict: tuple[str, ...], conn: Any) -> tuple[str, list[Any], bool]:
    meta = model._meta
    if meta.parents:
        raise ValueError(f"{model.__name__}: multi-table inheritance is not supported")
    if not isinstance(meta.pk, AutoField | BigAutoField | SmallAutoField):
        raise ValueError(f"{model.__name__}: insert() needs an automatic primary key")
    fields = [f for f in meta.local_concrete_fields if f is not meta.pk]
    for f in fields:
        if hasattr(f, "get_placeholder"):
            raise ValueError(f"{model.__name__}.{f.name} needs a placeholder of its own")
    qn = conn.ops.quote_name
    returning = bool(conn.features.can_return_columns_from_insert)
    sql = (f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)})"  # noqa: S608 - built from model metadata
           f" VALUES ({', '.join(['%s'] * len(fields))})")
    if conflict:
        columns = [meta.get_field(name).column for name in conflict]  # type: ignore[union-attr]
        sql += f" ON CONFLICT ({', '.join(qn(c) for c in columns)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {qn(meta.pk.column)}"
    return sql, fields, returning


def _insert[M: Model](obj: M, conflict: tuple[str, ...], using: str) -> M | None:
    if obj.pk is not None:
        raise ValueError("insert() writes new rows only (the primary key is set)")
    conn = connections[using]
    model = type(obj)
    key = (model, conflict, conn.alias, conn.vendor)
    built = _INSERTS.get(key)
    if built is None:
        built = _INSERTS[key] = _build_insert(model, conflict, conn)
    sql, fields, returning = built
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection=conn) for f in fields]
    with transaction.mark_for_rollback_on_error(using), conn.cursor() as cur:
        cur.execute(sql, params)
        if returning:
            row = cur.fetchone()
            pk = row[0] if row else None
        else:
            pk = cur.lastrowid if cur.rowcount else None
    if pk is None:  # the conflict: nothing written
        return None
    setattr(obj, model._meta.pk.attname, pk)
    obj._state.adding = False
    obj._state.db = using
    return obj


def insert[M: Model](obj: M, *, using: str = "default") -> M:
    """Insert `obj` (new, primary key unset) as `obj.save(force_insert=True)`
    would, and set its primary key."""
    done = _insert(obj, (), using)
    assert done is not None
    return done


def insert_unless_exists[M: Model](obj: M, *unique: str, using: str = "default") -> M | None:
    """Insert `obj` unless a row with the same values of the `unique` fields
    (a unique constraint) exists: `INSERT … ON CONFLICT (…) DO NOTHING`, one
    statement instead of a savepoint around an INSERT that may fail. Returns
    `obj` with its primary key, or None if nothing was written."""
    if not unique:
        raise ValueError("name the unique fields")
    return _insert(obj, tuple(unique), using)
