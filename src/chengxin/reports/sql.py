"""Database expressions the reports need that Django computes slowly on
SQLite (as Python functions called once per row): here each is written in
the database's own SQL, for SQLite and PostgreSQL (the two databases
chengxin runs on)."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, FloatField, Func


class Seconds(Func):
    """Seconds from the second moment to the first, computed natively (not
    Django's Python function on SQLite); to the millisecond."""

    arity = 2
    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="((julianday(%(expressions)s)) * 86400.0)", arg_joiner=") - julianday(", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM (%(expressions)s))::float8", arg_joiner=" - ", **extra)


class LocalMonth(Func):
    """The month ("2026-03") of a moment in China time (UTC+8, no daylight
    saving since 1991), computed by the database itself: SQLite's own date
    functions rather than Django's TruncMonth, which SQLite runs as a Python
    function once per row."""

    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="substr(datetime(%(expressions)s, '+8 hours'), 1, 7)", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="to_char((%(expressions)s) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')", **extra)
