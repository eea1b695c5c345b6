from decimal import Decimal

from django.db import migrations

# Seed 000 一: the eight applicant types.
TYPES = [
    ("group_buying_national", "全国性团购网站", "National group-buying site"),
    ("group_buying_regional", "地方性团购网站", "Regional group-buying site"),
    ("portal", "门户网站", "Portal"),
    ("classifieds", "分类信息网站", "Classified-information site"),
    ("b2c", "B2C平台", "B2C platform"),
    ("sns", "SNS网站", "SNS site"),
    ("traditional", "传统企业", "Traditional enterprise"),
    ("navigation", "第三方导航网站", "Third-party navigation site"),
]
LEVELS = [
    ("member", "会员单位", "Member", Decimal("3000.00")),
    ("council", "理事单位", "Council member", Decimal("10000.00")),
    ("vice_chair", "副理事长单位", "Vice-chair member", Decimal("30000.00")),
]


def load(apps, schema_editor):
    ApplicantType = apps.get_model("membership", "ApplicantType")
    MembershipLevel = apps.get_model("membership", "MembershipLevel")
    for i, (code, name, en) in enumerate(TYPES):
        ApplicantType.objects.update_or_create(code=code, defaults={"name": name, "name_en": en, "position": i})
    for i, (code, name, en, fee) in enumerate(LEVELS):
        MembershipLevel.objects.update_or_create(code=code, defaults={"name": name, "name_en": en, "position": i, "annual_fee": fee})


class Migration(migrations.Migration):
    dependencies = [("membership", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
