"""Demo complaints: about 150 complaints from synthetic consumers against
demo subjects (including those the demo `member` account acts for), filed
over the past six months and taken through the real services to every
outcome. The clock is set back while each one is filed and handled, so
deadlines, reminders and the sweep behave as they would have."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from chengxin.accounts import services as accounts
from chengxin.complaints import filing, mediation, services, sweeps
from chengxin.core import clock
from chengxin.core.permissions import Role

TEXTS = {
    "quality": ("收到的商品有质量问题", "收到的电饭煲使用两次后无法加热，商品页面承诺一年质保，联系客服后一直没有处理结果。"),
    "refund": ("申请退款迟迟不到账", "七天无理由退货，商家已签收退回的商品超过十天，退款仍未到账，客服只说在处理中。"),
    "delivery": ("快递显示签收但未收到", "物流显示包裹已签收，但本人并未收到，快递柜和门卫处都没有，商家让我自己找快递。"),
    "false_advertising": ("宣传与实物不符", "商品详情页写的是纯棉材质，收到后标签显示涤纶含量百分之六十，属于虚假宣传。"),
    "after_sales": ("售后维修拖延", "空调安装后漏水，预约售后三次上门都未解决，每次都说下周再来。"),
    "fraud": ("付款后商家失联", "按商家要求转账付款后，商家不再回复消息，店铺也无法打开，怀疑是诈骗。"),
    "personal_information": ("个人信息被泄露", "在该店铺下单后频繁接到推销电话，对方能说出我的购买记录，怀疑店铺泄露了个人信息。"),
    "other": ("优惠券无法使用", "活动页面发放的满减优惠券在结算时提示不可用，客服说活动规则已变更。"),
}
ANSWERS = ("您好，已核实情况，已为您办理全额退款，预计三个工作日内到账。", "非常抱歉给您带来不便，已安排补发新品，运单号稍后短信通知。",
           "经核查商品在签收前完好，建议您联系快递公司核实，我们会协助提供发货凭证。", "已安排售后工程师本周上门处理，如仍有问题可直接联系客服专线。")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


def _consumers(rng: random.Random, n: int) -> list[Any]:
    from chengxin.accounts.models import User

    out = []
    for i in range(n):
        username = f"demo-consumer-{i + 1:02d}"
        user = User.objects.filter(username=username).first() or accounts.create_user(
            actor=None, username=username, password=None, role=Role.CONSUMER,
            display_name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            phone=f"13{rng.randint(500000000, 999999999)}", email=f"{username}@consumer.example")
        out.append(user)
    return out


def load(*, subjects: list[Any], users: dict[str, Any], count: int = 150, seed: int = 2026) -> int:
    rng = random.Random(seed)
    reviewer, mediator = users.get("reviewer"), users.get("mediator")
    consumers = _consumers(rng, 24)
    if users.get("consumer") is not None:
        consumers.append(users["consumer"])
    member_subjects = [s for u in (users.get("member"), users.get("member2")) if u for s in u.subjects.all()]
    targets = member_subjects + [s for s in subjects[:40] if s not in member_subjects]
    real_now = clock.now()
    done = 0
    starts = sorted(real_now - dt.timedelta(days=rng.randint(0, 180), hours=rng.randint(0, 12)) for _ in range(count))
    try:
        for i, start in enumerate(starts):
            subject = targets[i % len(targets)]
            consumer = consumers[i % len(consumers)]
            category = rng.choice(list(TEXTS))
            title, text = TEXTS[category]
            clock.freeze(start)
            c, _new = filing.file_complaint(actor=consumer, data={
                "subject": subject.pk, "category": category, "title": title, "description": text,
                "remedies": rng.sample(["refund", "exchange", "repair", "apology", "compensation"], 2),
                "order_ref": f"DD{start:%Y%m%d}{rng.randint(10**7, 10**8 - 1)}", "amount": f"{rng.randint(30, 3000)}.00",
                "consent": True, "public_consent": rng.random() < 0.7})
            done += 1
            fate = rng.random()
            clock.freeze(start + dt.timedelta(days=1))
            if reviewer is not None and fate > 0.05:
                services.confirm(actor=reviewer, c=c)
            elif reviewer is not None:
                services.invalidate(actor=reviewer, c=c, reason="out_of_scope", note="不属于平台受理范围（演示数据）。")
                continue
            merchant = next(iter(services.merchant_users(subject)), None)
            if merchant is None or fate > 0.85:
                continue  # unanswered, or still open when recent: the sweep decides
            clock.freeze(start + dt.timedelta(days=rng.randint(1, 9), hours=rng.randint(0, 8)))
            services.answer(actor=merchant, c=c, text=rng.choice(ANSWERS))
            clock.freeze(clock.now() + dt.timedelta(days=2))
            if clock.now() > real_now:
                continue
            if fate < 0.45:
                services.accept(actor=consumer, c=c)
                services.submit_survey(actor=consumer, c=c, rating=rng.randint(3, 5), handled_well=True)
            elif fate < 0.6 and mediator is not None:
                services.dispute(actor=consumer, c=c, reason="处理结果不能接受，要求全额退款。")
                mediation.start_mediation(actor=mediator, c=c)
                if fate < 0.55:
                    mediation.propose_settlement(actor=mediator, c=c, text="商家退还货款的百分之八十，消费者无需退回商品。")
                    mediation.agree_settlement(actor=consumer, c=c)
                    mediation.agree_settlement(actor=merchant, c=c)
                    services.submit_survey(actor=consumer, c=c, rating=rng.randint(2, 5), handled_well=fate < 0.52)
                else:
                    mediation.fail_mediation(actor=mediator, c=c, reason="双方对退款金额分歧较大，未能达成一致。")
    finally:
        clock.freeze(None)
    sweeps.run()
    return done
