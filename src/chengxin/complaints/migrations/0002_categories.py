from django.db import migrations

CATEGORIES = [
    ("false_advertising", "虚假宣传", "False advertising"),
    ("quality", "商品质量", "Product quality"),
    ("after_sales", "售后服务", "After-sales service"),
    ("refund", "退款退货", "Refunds and returns"),
    ("delivery", "物流配送", "Delivery"),
    ("fraud", "欺诈", "Fraud"),
    ("personal_information", "个人信息保护", "Personal information"),
    ("other", "其他", "Other"),
]


def load(apps, schema_editor):
    Category = apps.get_model("complaints", "Category")
    for pos, (code, name, name_en) in enumerate(CATEGORIES):
        Category.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en, "position": pos})


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
