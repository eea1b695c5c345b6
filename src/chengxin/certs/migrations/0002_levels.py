from django.db import migrations

LEVELS = [
    # code, name, name_en, description, description_en, colour, position, default
    ("red", "红标", "Red mark", "通过全面诚信评价的会员", "Member that passed the full integrity evaluation", "#c0392b", 1, False),
    ("blue", "蓝标", "Blue mark", "已核验身份的会员", "Member with verified identity", "#1f5fa8", 2, True),
]


def load(apps, schema_editor):
    Level = apps.get_model("certs", "CertificateLevel")
    for code, name, name_en, desc, desc_en, color, position, default in LEVELS:
        Level.objects.update_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "description": desc, "description_en": desc_en,
            "color": color, "position": position, "default_on_issue": default})


class Migration(migrations.Migration):
    dependencies = [("certs", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
