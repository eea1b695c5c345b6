"""Demo credit records: facts staff enter by hand (awards, penalties,
violations reported by member platforms, fraud warnings) and list entries
(red list, blacklist), spread over the past three years, then every grade
computed. Records from memberships, certificates, sites and complaints come
from the earlier demo steps through the real services."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from chengxin.credit import grading, services
from chengxin.credit.models import Grade
from chengxin.lists import services as lists

AWARDS = ("年度诚信经营示范单位", "消费者满意度优秀商家", "电子商务诚信建设先进单位", "放心消费承诺优秀单位")
PENALTIES = (("penalty.minor", "未按规定明码标价，责令改正并警告", "市场监管局"),
             ("penalty.admin", "发布虚假广告，罚款人民币三万元", "市场监督管理局"),
             ("penalty.admin", "销售不合格产品，没收违法所得并处罚款", "市场监督管理局"))
VIOLATIONS = ("商品描述与实物不符，平台下架处理", "虚假发货，平台扣除保证金", "诱导好评返现，平台警告")
WARNINGS = ("冒用会员单位名义的仿冒网站", "以低价为诱饵要求私下转账")


def load(*, subjects: list[Any], users: dict[str, Any], actor: Any, seed: int = 2026) -> tuple[int, int]:
    rng = random.Random(seed + 6)
    reviewer = users.get("reviewer") or actor
    protected = {s.pk for u in users.values() for s in u.subjects.all()}  # demo accounts' own subjects: no lists
    today = services.today()
    n = 0

    def day(max_days: int) -> str:
        return (today - dt.timedelta(days=rng.randint(1, max_days))).isoformat()

    pool = list(subjects)
    rng.shuffle(pool)
    # shares of the subjects (2,400 in the default demo: 60 awards, 48 penalties, ...)
    sizes = [max(1, round(len(pool) * f)) for f in (0.025, 0.02, 0.0125, 0.0025, 0.004, 0.004)]
    cut = [sum(sizes[:i]) for i in range(len(sizes) + 1)]
    for s in pool[cut[0]:cut[1]]:
        services.enter_record(actor=reviewer, subject=s, data={
            "kind": "award", "summary": rng.choice(AWARDS), "evidence": f"协会文件〔{today.year - rng.randint(0, 2)}〕{rng.randint(1, 40)}号",
            "occurred_on": day(1000)})
        n += 1
    for s in pool[cut[1]:cut[2]]:
        kind, text, authority = rng.choice(PENALTIES)
        services.enter_record(actor=reviewer, subject=s, data={
            "kind": kind, "summary": text, "evidence": f"{s.province.name}{authority}行政处罚决定书 第{rng.randint(100, 999)}号",
            "occurred_on": day(80 if kind == "penalty.minor" else 900), "source": "authority",
            "source_name": f"{s.province.name}{authority}"})
        n += 1
    for s in pool[cut[2]:cut[3]]:
        services.enter_record(actor=reviewer, subject=s, data={
            "kind": "platform.violation", "summary": rng.choice(VIOLATIONS), "evidence": f"平台工单 {rng.randint(10000, 99999)}",
            "occurred_on": day(700), "source": "member_platform", "source_name": "示范电商平台"})
        n += 1
    for s in pool[cut[3]:cut[4]]:
        services.enter_record(actor=reviewer, subject=s, data={
            "kind": "warning.fraud", "summary": rng.choice(WARNINGS), "evidence": f"预警 {rng.randint(100, 999)}",
            "occurred_on": day(300)})
        n += 1
    for s in pool[cut[4]:cut[5]]:
        lists.add_entry(actor=actor, subject=s, kind="redlist", reason="连续三年无有效投诉，诚信经营示范", legal_basis="协会诚信红名单管理办法")
        n += 1
    for s in [x for x in pool[cut[5]:] if x.pk not in protected][:sizes[5]]:
        lists.add_entry(actor=actor, subject=s, kind="blacklist", reason="售假且拒不整改", legal_basis="协会章程第十二条")
        n += 1
    grading.recompute()
    grading.run_pending()
    return n, Grade.objects.exclude(grade="").count()
