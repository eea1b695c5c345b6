"""The scoring index carries the record id on PostgreSQL (INCLUDE), so that
the scoring query reads a batch's records from the index alone, in subject
order: no heap access, no sort (one batch of 20,000 subjects: 860 -> 709 ms).
SQLite ignores INCLUDE (its indexes hold the rowid): nothing is rebuilt there."""

from django.db import migrations, models

FIELDS = ["subject", "kind", "day", "tag", "until_day", "retraction"]
OLD = models.Index(fields=FIELDS, name="credit_record_scoring")
NEW = models.Index(fields=FIELDS, name="credit_record_scoring", include=["id"])


def _swap(remove: models.Index, add: models.Index):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if not schema_editor.connection.features.supports_covering_indexes:
            return
        model = apps.get_model("credit", "CreditRecord")
        schema_editor.remove_index(model, remove)
        schema_editor.add_index(model, add)
    return run


class Migration(migrations.Migration):
    dependencies = [("credit", "0002_record_kinds")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="creditrecord", name="credit_record_scoring"),
                migrations.AddIndex(model_name="creditrecord", index=NEW),
            ],
            database_operations=[migrations.RunPython(_swap(OLD, NEW), _swap(NEW, OLD))],
        ),
    ]
