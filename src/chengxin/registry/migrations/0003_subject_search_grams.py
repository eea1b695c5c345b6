"""Subject.search_grams: the bigram tokens of search_text that the search
index (0004) is built on, filled for the rows already there."""

from django.db import migrations, models

BATCH = 2000


def fill(apps, schema_editor):
    # The application's own function: the column must hold exactly what
    # services.refresh_search_text stores (a later change to the token format
    # needs a migration that fills the column again).
    from chengxin.registry.normalize import search_grams

    Subject = apps.get_model("registry", "Subject")
    db = schema_editor.connection.alias
    last = 0
    while True:
        rows = list(
            Subject.objects.using(db).filter(id__gt=last).order_by("id").values_list("id", "search_text")[:BATCH]
        )
        if not rows:
            break
        Subject.objects.using(db).bulk_update(
            [Subject(id=pk, search_grams=search_grams(text)) for pk, text in rows], ["search_grams"]
        )
        last = rows[-1][0]


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0002_load_regions_industries"),
    ]

    operations = [
        migrations.AddField(
            model_name="subject",
            name="search_grams",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
