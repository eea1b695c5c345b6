"""Bench data for the complaints benchmark, through the real services (run
with DATABASE_URL / CHENGXIN_VAR_DIR set, after `migrate`):

* one admin account (it creates the API tokens, as an administrator would);
* `--subjects` subjects (`registry.create_subject`, valid USCC), each with one
  member account with an e-mail address (`accounts.create_user` +
  `grant_subject_access`), so every filing notifies a merchant in-app and by
  e-mail (outbox), as in production;
* `--consumers` consumer accounts (`accounts.create_user`, no password, as
  registration by one-time code makes them), each with an API token
  (`accounts.create_token`).

Every row, audit entries included, is written by the services themselves, in
batches of 500 per transaction. Writes `<out>` (JSON): tokens and subject ids.

    python bench/complaints/_prepare.py --consumers 16000 --subjects 300 --out tokens.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

import django  # noqa: E402

django.setup()

from django.db import IntegrityError, transaction  # noqa: E402

from chengxin.accounts import services as accounts  # noqa: E402
from chengxin.core.permissions import Role  # noqa: E402
from chengxin.registry import services as registry  # noqa: E402
from chengxin.registry.validators import USCC_ALPHABET, uscc_check_char  # noqa: E402

REGIONS = [("110000", "110100", "北京"), ("310000", "310100", "上海"), ("440000", "440300", "深圳"),
           ("330000", "330100", "杭州")]
BRANDS = "华鑫瑞恒盛达源德泰隆丰宏信佳美康博通兴创智云联品优汇金天海星辰东方明阳光新中宇航嘉禾润和安永福祥益诚"
WORDS = ["电子商务", "网络科技", "商贸", "日用品", "服饰", "食品", "家具", "电器"]


def uscc(rng: random.Random, division: str) -> str:
    body = "91" + division + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + uscc_check_char(body)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--consumers", type=int, default=16000)
    ap.add_argument("--subjects", type=int, default=300)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    admin = accounts.create_user(actor=None, username="bench-admin", password=None, role=Role.ADMIN,
                                 email="bench-admin@example.org")
    subjects: list[int] = []
    for i in range(0, args.subjects, 100):
        with transaction.atomic():
            for j in range(i, min(i + 100, args.subjects)):
                prov, city, place = REGIONS[j % len(REGIONS)]
                name = f"{place}{BRANDS[j % len(BRANDS)]}{BRANDS[(j * 7 + 3) % len(BRANDS)]}{WORDS[j % len(WORDS)]}有限公司{j}"
                s = registry.create_subject(actor=None, data={
                    "kind": "organisation", "name": name, "uscc": uscc(rng, city[:4] + "05"),
                    "legal_representative": "王小明", "address": f"{place}市建国路{j + 1}号",
                    "province": prov, "city": city, "industry": "F5292",
                    "contact_name": "李娜", "contact_phone": "13800138000", "contact_email": f"shop{j}@example.com",
                }, reason="bench")
                m = accounts.create_user(actor=None, username=f"bench-member{j}", password=None, role=Role.MEMBER,
                                         email=f"bench-member{j}@example.com", display_name=f"客服{j}")
                accounts.grant_subject_access(actor=None, user=m, subject=s, reason="bench")
                subjects.append(s.pk)
    t1 = time.perf_counter()
    print(f"{len(subjects)} subjects with a member account each in {t1 - t0:.1f} s")
    tokens: list[str] = []
    for i in range(0, args.consumers, 500):
        with transaction.atomic():
            for j in range(i, min(i + 500, args.consumers)):
                u = accounts.create_user(actor=None, username=f"bench-consumer{j}", password=None, role=Role.CONSUMER,
                                         email=f"bench-consumer{j}@example.net", display_name=f"消费者{j}",
                                         phone=f"139{j:08d}")
                for _attempt in range(5):  # the 8-hex-digit token prefix may collide
                    try:
                        with transaction.atomic():
                            _tok, raw = accounts.create_token(actor=admin, user=u, name="bench")
                        break
                    except IntegrityError:
                        continue
                tokens.append(raw)
        if (i // 500) % 10 == 0:
            print(f"  {len(tokens)} consumers with tokens, {time.perf_counter() - t1:.1f} s", flush=True)
    print(f"{len(tokens)} consumers with an API token each in {time.perf_counter() - t1:.1f} s")
    Path(args.out).write_text(json.dumps({"tokens": tokens, "subjects": subjects}))


if __name__ == "__main__":
    main()
