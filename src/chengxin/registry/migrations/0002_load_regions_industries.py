import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    Region = apps.get_model("registry", "Region")
    Industry = apps.get_model("registry", "Industry")
    rows = json.loads((DATA / "regions.json").read_text("utf-8"))
    for row in rows:  # provinces come first, so parents exist
        Region.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "name_en": row["name_en"], "level": row["level"],
                      "parent_id": row["parent"]},
        )
    for row in json.loads((DATA / "industries.json").read_text("utf-8")):
        Industry.objects.update_or_create(code=row["code"], defaults={"name": row["name"], "name_en": row["name_en"]})


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
