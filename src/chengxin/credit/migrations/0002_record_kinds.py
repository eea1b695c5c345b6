"""The record kinds chengxin starts with (data, editable in the admin).

Disclosure periods follow the market-regulation rules: minor penalties
3 months, other penalties 3 years, closed complaints 3 years."""

from django.db import migrations

Y3 = 3 * 365 + 1
# code, name, name_en, polarity, disclosure days, access, conduct, staff entry
KINDS = [
    ("identity.verified", "身份与资质核验", "Identity and licence verified", 1, Y3, "public", True, True),
    ("site.verified", "网站/店铺归属验证", "Site ownership proven", 1, 365, "public", True, False),
    ("membership.held", "会员资格", "Membership held", 0, Y3, "public", False, False),
    ("certificate.issued", "电子证书", "Certificate issued", 0, Y3, "public", False, False),
    ("complaint.resolved", "投诉已解决（消费者确认）", "Complaint resolved (confirmed by the consumer)", 1, Y3, "public", True, False),
    ("complaint.resolved_mediation", "投诉经调解解决", "Complaint resolved by mediation", 1, Y3, "public", True, False),
    ("complaint.answered_unconfirmed", "投诉已回应（消费者未确认）", "Complaint answered, not confirmed", 0, Y3, "public", True, False),
    ("complaint.unresolved", "投诉未解决", "Complaint unresolved", -1, Y3, "public", True, False),
    ("complaint.mediation_failed", "调解未达成协议", "Mediation without agreement", -1, Y3, "public", True, False),
    ("complaint.unanswered", "投诉未回应", "Complaint unanswered", -1, Y3, "public", True, False),
    ("award", "表彰奖励", "Award", 1, Y3, "public", True, True),
    ("redlist.entry", "列入红名单", "On the red list", 1, None, "public", True, False),
    ("penalty.minor", "行政处罚（简易程序/轻微）", "Minor administrative penalty", -1, 92, "public", True, True),
    ("penalty.admin", "行政处罚", "Administrative penalty", -1, Y3, "public", True, True),
    ("platform.violation", "平台违规处置", "Violation handled by a member platform", -1, Y3, "members", True, True),
    ("blacklist.entry", "列入黑名单", "On the blacklist", -1, None, "public", True, False),
    ("watchlist.entry", "列入重点关注名单", "On the watch list", 0, None, "restricted", False, False),
    ("warning.fraud", "虚假信息/欺诈预警", "Fraud warning", -1, Y3, "public", True, True),
]


def load(apps, schema_editor):
    RecordKind = apps.get_model("credit", "RecordKind")
    for i, (code, name, name_en, pol, days, access, conduct, staff) in enumerate(KINDS):
        RecordKind.objects.update_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "polarity": pol, "disclosure_days": days, "access": access,
            "conduct": conduct, "staff_entry": staff, "position": i * 10})


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
