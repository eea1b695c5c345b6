"""The index behind search_subjects, one per database:

* SQLite: an FTS5 table over search_grams with external content (the rows stay
  in registry_subject), kept in step by triggers, then filled ('rebuild').
* PostgreSQL: a stored generated tsvector column ('simple' configuration) with
  a GIN index.

Other databases get nothing; search falls back to the substring scan there.

Beware on SQLite: a later migration that makes Django rebuild registry_subject
(most AlterField/RemoveField) drops the triggers. Call `create(...)` again in
that migration; tests/registry/test_search_index.py checks they exist.
"""

from django.db import migrations

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE registry_subject_fts USING fts5("
    "search_grams, content='registry_subject', content_rowid='id')",
    "CREATE TRIGGER registry_subject_fts_ai AFTER INSERT ON registry_subject BEGIN"
    " INSERT INTO registry_subject_fts(rowid, search_grams) VALUES (new.id, new.search_grams);"
    " END",
    "CREATE TRIGGER registry_subject_fts_ad AFTER DELETE ON registry_subject BEGIN"
    " INSERT INTO registry_subject_fts(registry_subject_fts, rowid, search_grams)"
    " VALUES ('delete', old.id, old.search_grams);"
    " END",
    "CREATE TRIGGER registry_subject_fts_au AFTER UPDATE OF id, search_grams ON registry_subject BEGIN"
    " INSERT INTO registry_subject_fts(registry_subject_fts, rowid, search_grams)"
    " VALUES ('delete', old.id, old.search_grams);"
    " INSERT INTO registry_subject_fts(rowid, search_grams) VALUES (new.id, new.search_grams);"
    " END",
    "INSERT INTO registry_subject_fts(registry_subject_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS registry_subject_fts_ai",
    "DROP TRIGGER IF EXISTS registry_subject_fts_ad",
    "DROP TRIGGER IF EXISTS registry_subject_fts_au",
    "DROP TABLE IF EXISTS registry_subject_fts",
]
POSTGRES_CREATE = [
    "ALTER TABLE registry_subject ADD COLUMN search_vector tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_grams)) STORED",
    "CREATE INDEX registry_subject_search_vector ON registry_subject USING gin (search_vector)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS registry_subject_search_vector",
    "ALTER TABLE registry_subject DROP COLUMN IF EXISTS search_vector",
]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql, params=None)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP + SQLITE_CREATE)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_CREATE)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_DROP)


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0003_subject_search_grams"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
