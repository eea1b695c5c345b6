"""Bench data for the credit benchmark (issue 6): subjects and credit records
as two CSV files, generated once (deterministic for a seed and an anchor day)
and then loaded into SQLite, PostgreSQL and DuckDB alike (`_load.py`,
`_duck.py`). No Django needed.

* `subjects.csv`: registry_subject rows. Names, kinds, unified social credit
  codes (valid, unique; NULL for community managers and 30 % of individual
  merchants), province/city (from the Region table's source,
  registry/data/regions.json) and industry come from the search bench's
  generator (`bench/_data.py`); `created_at` is spread over the 6 years before
  the anchor day; contact phone present for ~75 %, e-mail for ~35 %.
  `name_key` is the application's own `normalize.name_key`; `search_text`
  and `search_grams` are left empty (the credit engine never reads them).
* `records.csv`: credit_creditrecord rows, ids in the order the records were
  created (as the application appends them), dates in the 4 years before the
  anchor day: complaint outcomes (tags on_time / late / none, mix per subject
  from a "quality" drawn per subject, counts per subject heavy-tailed: 35 % of
  subjects none, median ~4, a few hundred to ~2,000 for the largest),
  identity.verified, site.verified (yearly renewals), membership.held (~15 % of
  subjects, yearly, tag = size band) with a certificate.issued each year,
  awards, red list, penalties (minor / admin), platform violations, fraud
  warnings, watch list, rare blacklist entries (some lifted: a new version
  with `disclosed_until`), and ~0.5 % corrections (tag fixed) and retractions
  (invalid complaints, penalties annulled) with `supersedes` set.
  `disclosed_until` / `until_day` follow the kind's disclosure_days
  (migration credit/0002_record_kinds.py). Exactly `--records` rows.

CSV: header row, every non-NULL value quoted, NULL as an unquoted empty field
(csv.QUOTE_NOTNULL; PostgreSQL's COPY … CSV reads the same convention). The
records are written by hand for speed: no value holds a double quote or a newline.

    python bench/credit/_gen.py --subjects 1000000 --records 10000000 --seed 6 --anchor 2026-11-23 --out DIR
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.util
import json
import math
import random
import sys
import time
from array import array
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

import _data  # noqa: E402  (the search bench's subject generator)

GEN_VERSION = 1  # bump when the generated data changes
EPOCH = dt.date(1970, 1, 1)


def record_kinds() -> list[tuple]:  # type: ignore[type-arg]
    """(code, name, name_en, polarity, disclosure days, access, conduct, staff) from the migration."""
    path = ROOT / "src" / "chengxin" / "credit" / "migrations" / "0002_record_kinds.py"
    spec = importlib.util.spec_from_file_location("credit_kinds_0002", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return list(mod.KINDS)


SUBJECT_COLUMNS = ["id", "kind", "name", "name_key", "uscc", "id_number_enc", "id_number_hash", "id_number_masked",
                   "legal_representative", "address", "province_id", "city_id", "industry_id", "contact_name",
                   "contact_phone", "contact_email", "status", "departed_at", "retain_until", "created_at",
                   "updated_at", "search_text", "search_grams"]
RECORD_COLUMNS = ["id", "subject_id", "kind", "tag", "polarity", "source", "source_name", "summary", "summary_en",
                  "evidence", "evidence_file", "evidence_sha256", "occurred_on", "day", "disclosed_until",
                  "until_day", "access", "ref", "supersedes_id", "retraction", "reason", "created_at",
                  "created_by_id"]

COMPLAINT_KINDS = ["complaint.resolved", "complaint.resolved_mediation", "complaint.answered_unconfirmed",
                   "complaint.unresolved", "complaint.mediation_failed", "complaint.unanswered"]
CATEGORIES = [("商品质量", "Product quality"), ("虚假宣传", "False advertising"), ("退换货", "Returns"),
              ("物流配送", "Delivery"), ("售后服务", "After-sales service"), ("价格欺诈", "Price fraud"),
              ("合同纠纷", "Contract dispute")]
TAGS = ["", "on_time", "late", "none", "micro", "small", "medium", "large", "dns", "http", "page", "red", "blue"]
SIZES = ["micro", "small", "medium", "large"]
AUTHORITIES = ["市场监督管理局", "商务局", "消费者协会"]
PLATFORMS = ["淘宝", "京东", "拼多多", "抖音", "快手"]


def day_of(d: dt.date) -> int:
    return (d - EPOCH).days


def date_of(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=day)


class Records:
    """The records in compact arrays (10M rows in ~250 MB), in generation
    order; written out sorted by creation day."""

    def __init__(self) -> None:
        self.subject = array("i")
        self.kind = array("b")
        self.tag = array("b")
        self.day = array("i")  # occurred_on
        self.created = array("i")  # creation day (>= day)
        self.until = array("i")  # disclosed_until day, -1 = none
        self.sup = array("i")  # generation index of the superseded record, -1 = none
        self.retraction = array("b")

    def add(self, subject: int, kind: int, tag: int, day: int, created: int, until: int = -2, sup: int = -1,
            retraction: int = 0) -> int:
        self.subject.append(subject)
        self.kind.append(kind)
        self.tag.append(tag)
        self.day.append(day)
        self.created.append(created)
        self.until.append(until)
        self.sup.append(sup)
        self.retraction.append(retraction)
        return len(self.subject) - 1

    def __len__(self) -> int:
        return len(self.subject)


def lognormal_counts(rng: random.Random, n: int, share: float, mu: float, sigma: float, cap: float) -> list[float]:
    return [min(cap, math.exp(rng.gauss(mu, sigma))) if rng.random() < share else 0.0 for _ in range(n)]


def allocate(weights: list[float], total: int) -> list[int]:
    """Integers proportional to `weights` summing exactly to `total` (error diffusion)."""
    s = sum(weights)
    out, carry = [], 0.0
    for w in weights:
        x = w * total / s + carry
        k = int(x)
        carry = x - k
        out.append(k)
    diff = total - sum(out)
    i = 0
    while diff:  # rounding left-overs: onto the subjects that have some
        if out[i]:
            out[i] += 1 if diff > 0 else -1
            diff += -1 if diff > 0 else 1
        i = (i + 1) % len(out)
    return out


def generate(args: argparse.Namespace) -> dict:  # type: ignore[type-arg]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    anchor = dt.date.fromisoformat(args.anchor)
    today = day_of(anchor)
    kinds = record_kinds()
    kidx = {k[0]: i for i, k in enumerate(kinds)}
    disclosure = [k[4] for k in kinds]
    tidx = {t: i for i, t in enumerate(TAGS)}
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    from chengxin.registry.normalize import name_key

    # --- subjects -----------------------------------------------------------------
    n = args.subjects
    created_day = array("i")
    quality = array("f")
    with (out / "subjects.csv.tmp").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, quoting=csv.QUOTE_NOTNULL)
        w.writerow(SUBJECT_COLUMNS)
        for row in _data.generate(n, args.seed):
            c_day = today - rng.randint(0, 6 * 365)
            secs = rng.randint(0, 86399)
            created = f"{date_of(c_day).isoformat()} {secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"
            created_day.append(c_day)
            quality.append(rng.betavariate(5, 1.6))
            phone = row.contact_phone if rng.random() < 0.75 else ""
            email = ""
            if rng.random() < 0.35:
                email = (f"kf{row.id}@{row.sites[0].domain.removeprefix('www.')}" if row.sites and row.sites[0].kind == "domain"
                         else f"{rng.randint(10000, 999999999)}@{rng.choice(('qq.com', '163.com', '126.com', 'sina.com'))}")
            departed = None
            if row.status == "departed":
                d = min(today, c_day + rng.randint(30, 900))
                departed = f"{date_of(d).isoformat()} 12:00:00"
            fields = [row.id, row.kind, row.name, name_key(row.name), row.uscc, "", "", "", row.legal_representative,
                        row.address, row.province, row.city, row.industry,
                        row.contact_name if (phone or email) else "", phone, email, row.status, departed, None,
                        created, created, "", ""]
            w.writerow(fields)
    (out / "subjects.csv.tmp").rename(out / "subjects.csv")
    t1 = time.perf_counter()
    print(f"{n:,} subjects in {t1 - t0:.1f} s", flush=True)

    # --- records, per subject -------------------------------------------------------
    rec = Records()
    start = today - 4 * 365  # records over the last 4 years

    def first_day(s: int) -> int:
        return max(start, created_day[s])

    def some_day(s: int, recent: bool = True) -> int:
        lo = first_day(s)
        u = rng.random()
        return lo + int((today - lo) * (math.sqrt(u) if recent else u))  # more activity lately

    def until_of(k: int, day: int) -> int:
        d = disclosure[k]
        return day + d if d else -1

    def add(s: int, k: int, tag: str, day: int, delay: int = 0) -> int:
        return rec.add(s, k, tidx[tag], day, min(today, day + delay), until_of(k, day))

    # everything but complaints first, to know how many complaints make up the total
    for s in range(n):
        r = rng.random
        if r() < 0.30:  # identity checked (membership application or staff), sometimes again years later
            d = some_day(s, recent=False)
            add(s, kidx["identity.verified"], "", d)
            if r() < 0.3 and d + 730 < today:
                add(s, kidx["identity.verified"], "", d + rng.randint(730, today - d))
        if r() < 0.18:  # proven sites, renewed yearly while kept
            for _site in range(rng.choice((1, 1, 1, 2, 2, 3))):
                d = some_day(s, recent=False)
                method = rng.choice(("dns", "http", "page"))
                while d <= today:
                    add(s, kidx["site.verified"], method, d)
                    if r() < 0.25:
                        break
                    d += rng.randint(330, 365)
        if r() < 0.15:  # membership, yearly, with a certificate each year
            size = rng.choices(SIZES, weights=(40, 35, 18, 7))[0]
            level = "red" if r() < 0.3 else "blue"
            d = some_day(s, recent=False)
            while d <= today:
                add(s, kidx["membership.held"], size, d)
                add(s, kidx["certificate.issued"], level, d, delay=rng.randint(0, 2))
                if r() < 0.2:
                    break
                if r() < 0.1 and size != "large":
                    size = SIZES[SIZES.index(size) + 1]
                d += 365
        if r() < 0.02:
            for _ in range(rng.choice((1, 1, 2))):
                add(s, kidx["award"], "", some_day(s), delay=rng.randint(1, 20))
        if r() < 0.003:
            add(s, kidx["redlist.entry"], "", some_day(s), delay=rng.randint(1, 20))
        if r() < 0.03:
            for _ in range(rng.choice((1, 1, 2))):
                add(s, kidx["penalty.minor"], "", some_day(s), delay=rng.randint(1, 30))
        if r() < 0.015:
            for _ in range(rng.choice((1, 1, 2, 3))):
                add(s, kidx["penalty.admin"], "", some_day(s), delay=rng.randint(1, 30))
        if r() < 0.02:
            for _ in range(rng.choice((1, 2, 3))):
                add(s, kidx["platform.violation"], "", some_day(s), delay=rng.randint(1, 10))
        if r() < 0.003:
            add(s, kidx["warning.fraud"], "", some_day(s), delay=rng.randint(0, 5))
        if r() < 0.001:
            add(s, kidx["watchlist.entry"], "", some_day(s), delay=rng.randint(0, 5))
        if r() < 0.001:  # blacklist; a fifth lifted later (a new version that stops counting)
            d = some_day(s)
            i = add(s, kidx["blacklist.entry"], "", d, delay=rng.randint(0, 5))
            if r() < 0.2 and d + 60 < today:
                lifted = rng.randint(d + 60, today)
                rec.add(s, kidx["blacklist.entry"], tidx[""], d, lifted, lifted, sup=i)
    others = len(rec)

    # complaints: heavy-tailed counts per subject, scaled so the total is exactly --records
    corrections_share = 0.005
    complaints = round((args.records - others) / (1 + corrections_share))
    corrections = args.records - others - complaints
    if complaints <= 0:
        raise SystemExit("--records too small for the other kinds")
    counts = allocate(lognormal_counts(rng, n, 0.65, 1.3, 1.6, 2000.0), complaints)
    k_answered = [kidx[k] for k in COMPLAINT_KINDS[:5]]
    k_unanswered = kidx["complaint.unanswered"]
    on_time, late, none = tidx["on_time"], tidx["late"], tidx["none"]
    until_add = array("i", [d or 0 for d in disclosure])
    first_complaint = len(rec)
    sqrt = math.sqrt
    for s, c in enumerate(counts):
        if not c:
            continue
        q = quality[s]
        p_unanswered = 0.02 + 0.4 * (1 - q) ** 2
        p_on_time = 0.45 + 0.5 * q
        # unanswered, then resolved, by mediation, answered unconfirmed, unresolved, mediation failed
        answered = (0.15 + 0.5 * q, 0.06, 0.22, 0.25 * (1 - q) + 0.03, 0.05 * (1 - q) + 0.01)
        weights = [p_unanswered] + [(1 - p_unanswered) * x / sum(answered) for x in answered]
        lo = first_day(s)
        span = today - lo
        r = rng.random
        days = [lo + int(span * sqrt(r())) for _ in range(c)]
        ks = rng.choices([k_unanswered, *k_answered], weights=weights, k=c)
        tags = [none if k == k_unanswered else on_time if r() < p_on_time else late for k in ks]
        rec.subject.extend([s] * c)
        rec.kind.extend(ks)
        rec.tag.extend(tags)
        rec.day.extend(days)
        rec.created.extend(days)
        rec.until.extend([d + until_add[k] for d, k in zip(days, ks, strict=True)])
        rec.sup.extend([-1] * c)
        rec.retraction.extend(bytes(c))
    n_complaints = len(rec) - first_complaint
    # corrections and retractions of earlier records (supersedes set), created later
    picks = sorted(rng.sample(range(first_complaint, first_complaint + n_complaints), corrections))
    other_targets = [i for i in range(first_complaint) if kinds[rec.kind[i]][0] in ("penalty.minor", "penalty.admin", "award", "platform.violation")]
    picked_others = set(rng.sample(other_targets, min(len(other_targets), corrections // 20)))
    picks = picks[: corrections - len(picked_others)] + sorted(picked_others)
    r = rng.random
    for i in picks:
        s, k, t, d, c0 = rec.subject[i], rec.kind[i], rec.tag[i], rec.day[i], rec.created[i]
        created = min(today, c0 + rng.randint(0, 120))
        if i >= first_complaint and r() < 0.4:  # the tag corrected (e.g. the answer was on time after all)
            t2 = {on_time: late, late: on_time}.get(t, t)
            rec.add(s, k, t2, d, created, rec.until[i], sup=i)
        else:  # retracted: an invalid complaint, an annulled penalty
            rec.add(s, k, t, d, created, rec.until[i], sup=i, retraction=1)
    assert len(rec) == args.records, (len(rec), args.records)
    t2 = time.perf_counter()
    print(f"{len(rec):,} records planned in {t2 - t1:.1f} s ({others:,} not complaints, {n_complaints:,} complaints, "
          f"{len(picks):,} corrections/retractions)", flush=True)

    # --- ids in creation order (counting sort by creation day; stable) --------------
    days = today - min(rec.created) + 1
    base = today - days + 1
    count = [0] * (days + 1)
    for c in rec.created:
        count[c - base + 1] += 1
    for i in range(1, days + 1):
        count[i] += count[i - 1]
    order = array("i", bytes(4 * len(rec)))
    for i, c in enumerate(rec.created):
        j = c - base
        order[count[j]] = i
        count[j] += 1
    del count
    new_id = array("i", bytes(4 * len(rec)))
    t3 = time.perf_counter()
    print(f"sorted by creation day in {t3 - t2:.1f} s", flush=True)

    # --- write (lines built by hand: no value holds a double quote or newline) -------
    wrng = random.Random(args.seed + 7)
    times = [f"{x // 3600:02d}:{x // 60 % 60:02d}:{x % 60:02d}" for x in range(86400)]
    iso = {d: date_of(d).isoformat() for d in range(min(rec.day) - 1, today + 4000)}
    compact = {d: v.replace("-", "") for d, v in iso.items()}
    complaint_text = []  # per kind code index: the line's fixed parts for each category
    for k in kinds:
        complaint_text.append([(f'"{k[3]}","platform","","投诉（{cat}）：{k[1]}","Complaint ({cat_en}): {k[2]}","TS',
                                f'"{k[5]}","complaint:TS') for cat, cat_en in CATEGORIES])
    is_complaint = [k[0].startswith("complaint.") for k in kinds]
    ncat = len(CATEGORIES)
    rnd = wrng.random

    def q(v: object) -> str:
        return "" if v is None else f'"{v}"'

    with (out / "records.csv.tmp").open("w", encoding="utf-8") as f:
        f.write(",".join(f'"{c}"' for c in RECORD_COLUMNS) + "\n")
        lines: list[str] = []
        for pos, i in enumerate(order):
            rid = pos + 1
            new_id[i] = rid
            k = rec.kind[i]
            day, until, sup = rec.day[i], rec.until[i], rec.sup[i]
            created_at = f"{iso[rec.created[i]]} {times[int(rnd() * 86400)]}"
            tag = TAGS[rec.tag[i]]
            if sup < 0 and is_complaint[k]:  # the fast path: 85 % of the rows
                head, mid = complaint_text[k][rid % ncat]
                number = f"{compact[day]}{rid:08d}"
                lines.append(f'"{rid}","{rec.subject[i] + 1}","{kinds[k][0]}","{tag}",{head}{number}","","","{iso[day]}",'
                             f'"{day}","{iso[until]}","{until}",{mid}{number}",,"0","complaint TS{number} closed",'
                             f'"{created_at}",\n')
                continue
            code, name, name_en, polarity, access = kinds[k][0], kinds[k][1], kinds[k][2], kinds[k][3], kinds[k][5]
            source, source_name, evidence, ref, reason = "platform", "", "", "", ""
            sup_id = None
            if sup >= 0:
                sup_id = new_id[sup]
                if code.startswith("complaint."):  # the original's ref and number
                    evidence = f"TS{compact[day]}{sup_id:08d}"
                    ref = f"complaint:{evidence}"
                elif code == "blacklist.entry":
                    evidence, ref = f"决定书 {sup_id}", f"list:{sup_id}"
                reason = ("lifted: rectified" if code == "blacklist.entry" and not rec.retraction[i]
                          else "invalid complaint" if rec.retraction[i] and code.startswith("complaint.")
                          else "annulled on appeal" if rec.retraction[i] else "answer time corrected")
                summary, summary_en = name, name_en
            elif code in ("identity.verified", "membership.held"):
                summary = "营业执照与身份信息经秘书处审核" if code == "identity.verified" else f"会员单位（{tag}）"
                summary_en = "Licence and identity checked by the secretariat" if code == "identity.verified" else f"Member ({tag})"
                evidence, ref = f"application #{rid}", f"{'application' if code == 'identity.verified' else 'membership'}:{rid}"
            elif code == "certificate.issued":
                number = f"CX{iso[day][:4]}{rid:08d}"
                summary, summary_en = f"电子证书 {number}", f"Certificate {number}"
                evidence, ref = number, f"certificate:{number}"
            elif code == "site.verified":
                summary, summary_en = "网站/店铺归属已验证", "Ownership proven"
                evidence, ref = f"{tag} check", f"site:{rid}:{iso[day]}T10:00:00+00:00"
            elif code in ("blacklist.entry", "redlist.entry", "watchlist.entry"):
                summary, summary_en = f"{name}：经核查", f"{name_en}: after review"
                evidence, ref = f"决定书 {rid}", f"list:{rid}"
                source, source_name = "authority", "市场监督管理局"
            elif code == "platform.violation":
                source, source_name = "member_platform", PLATFORMS[rid % len(PLATFORMS)]
                summary, summary_en = f"{source_name}：违规处置", f"{source_name}: violation handled"
                evidence = f"case {rid}"
            else:  # award, penalties, fraud warning: entered by staff with a document number
                source, source_name = "authority", AUTHORITIES[rid % len(AUTHORITIES)]
                summary, summary_en = name, name_en
                evidence = f"文号 {rid}"
            reason = reason or summary
            row = (rid, rec.subject[i] + 1, code, tag, polarity, source, source_name, summary, summary_en, evidence,
                   "", "", iso[day], day, iso[until] if until >= 0 else None, until if until >= 0 else None, access,
                   ref, sup_id, rec.retraction[i], reason, created_at, None)
            lines.append(",".join(q(v) for v in row) + "\n")
            if len(lines) >= 20000:
                f.write("".join(lines))
                lines.clear()
        f.write("".join(lines))
    (out / "records.csv.tmp").rename(out / "records.csv")
    t4 = time.perf_counter()
    print(f"written in {t4 - t3:.1f} s", flush=True)
    stats = {"subjects": n, "records": len(rec), "complaints": n_complaints, "corrections": len(picks),
             "max_per_subject": max(counts), "subjects_without_complaints": counts.count(0),
             "seconds": round(t4 - t0, 1)}
    (out / "stats.json").write_text(json.dumps(stats))
    return stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--subjects", type=int, default=1_000_000)
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--anchor", default=dt.date.today().isoformat(), help="the records' 'today'")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    print(json.dumps(generate(args)))


if __name__ == "__main__":
    main()
