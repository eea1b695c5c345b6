"""Synthetic registry for the search benchmark: deterministic (seeded),
realistic Chinese subject names, valid unified social credit codes and
domains / shop addresses.

Names are built the way Chinese business names are: region prefix + brand
(字号) + industry word + organisational form, e.g. 杭州华鑫网络科技有限公司,
鑫源(深圳)电子商务有限公司, 义乌市恒达日用品商行.

`generate(n, seed)` needs no Django and is used by the load generator to draw
its queries; `load(n, seed)` (run with Django configured, see `main`) bulk
inserts the rows. The loader bypasses the audited service layer for speed but
computes `name_key` with `chengxin.registry.normalize.name_key`, and
`search_text` and `search_grams` with `services.refresh_search_text` itself.
The search index (FTS5 table on SQLite, tsvector column on PostgreSQL) is
kept by the database itself, from the migrations' triggers / generated
column, exactly as for rows the application writes.

    python bench/_data.py load --n 100000 --seed 20240601   # DATABASE_URL / CHENGXIN_VAR_DIR set
    python bench/_data.py sample --n 20                      # print some generated names
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

# Bump when the generated data changes, so cached databases are rebuilt.
GENERATOR_VERSION = 3

REGIONS_JSON = ROOT / "src" / "chengxin" / "registry" / "data" / "regions.json"

# Brand characters (字号 material) with their pinyin, for domains.
BRAND_CHARS: dict[str, str] = {
    "华": "hua", "鑫": "xin", "瑞": "rui", "恒": "heng", "盛": "sheng", "达": "da",
    "源": "yuan", "德": "de", "泰": "tai", "隆": "long", "丰": "feng", "宏": "hong",
    "信": "xin", "佳": "jia", "美": "mei", "康": "kang", "博": "bo", "通": "tong",
    "兴": "xing", "创": "chuang", "智": "zhi", "云": "yun", "联": "lian", "品": "pin",
    "优": "you", "汇": "hui", "金": "jin", "天": "tian", "海": "hai", "星": "xing",
    "辰": "chen", "东": "dong", "方": "fang", "明": "ming", "阳": "yang", "光": "guang",
    "新": "xin", "中": "zhong", "宇": "yu", "航": "hang", "嘉": "jia", "禾": "he",
    "润": "run", "和": "he", "安": "an", "永": "yong", "福": "fu", "祥": "xiang",
    "益": "yi", "诚": "cheng", "立": "li", "邦": "bang", "凯": "kai", "旭": "xu",
    "腾": "teng", "飞": "fei", "景": "jing", "晨": "chen", "蓝": "lan", "绿": "lv",
    "青": "qing", "红": "hong", "万": "wan", "百": "bai", "千": "qian", "亿": "yi",
    "众": "zhong", "合": "he", "远": "yuan", "锦": "jin", "尚": "shang", "悦": "yue",
    "乐": "le", "享": "xiang", "易": "yi", "快": "kuai", "捷": "jie",
    "丝": "si", "绸": "chou", "茶": "cha", "米": "mi", "果": "guo", "鲜": "xian",
    "味": "wei", "香": "xiang", "甜": "tian", "雅": "ya", "秀": "xiu", "芳": "fang",
    "森": "sen", "林": "lin", "山": "shan", "川": "chuan", "江": "jiang", "河": "he",
    "湖": "hu", "泉": "quan", "峰": "feng", "岭": "ling", "晶": "jing", "玉": "yu",
    "鼎": "ding", "宝": "bao", "昌": "chang", "荣": "rong", "富": "fu", "贵": "gui",
    "君": "jun", "豪": "hao", "卓": "zhuo", "越": "yue", "拓": "tuo", "展": "zhan",
    "科": "ke", "技": "ji", "微": "wei", "讯": "xun", "网": "wang", "数": "shu",
    "致": "zhi", "启": "qi", "睿": "rui", "思": "si",
    "聚": "ju", "力": "li", "奇": "qi", "妙": "miao", "童": "tong", "趣": "qu",
}
BRAND_LIST = list(BRAND_CHARS)

# Industry code -> industry words (行业用语) as used in names.
INDUSTRY_WORDS: dict[str, list[str]] = {
    "A": ["农业", "生态农业", "农产品", "种植专业", "养殖", "果蔬", "茶业"],
    "C": ["食品", "服饰", "电子", "机械", "化妆品", "家具", "纺织", "五金制品", "塑料制品", "电器", "日化"],
    "F51": ["贸易", "商贸", "进出口", "国际贸易", "供应链管理", "实业"],
    "F52": ["百货", "日用品", "母婴用品", "超市", "五金", "服装", "鞋业", "茶叶"],
    "F5292": ["电子商务", "网络科技", "电商", "网络销售"],
    "G": ["物流", "供应链", "快递服务", "仓储", "货运代理"],
    "H61": ["酒店管理", "宾馆", "民宿"],
    "H62": ["餐饮管理", "餐饮", "小吃", "烘焙", "奶茶"],
    "I64": ["网络科技", "信息科技", "互联网科技", "网络技术"],
    "I6432": ["网络科技", "信息技术", "生活服务"],
    "I6431": ["网络科技", "供应链科技", "数字科技"],
    "I65": ["软件", "信息技术", "软件技术", "数据科技", "智能科技"],
    "J": ["投资", "金融信息服务", "保险代理"],
    "K": ["房地产开发", "物业管理", "置业"],
    "L72": ["企业管理咨询", "广告", "文化传媒", "品牌管理"],
    "L7271": ["旅行社", "国际旅行社", "旅游服务"],
    "M": ["检测技术", "生物科技", "环保科技", "新材料科技"],
    "O": ["家政服务", "维修服务", "洗涤服务", "美容美发"],
    "P": ["教育科技", "培训学校", "文化艺术培训"],
    "Q": ["医药", "健康管理", "医疗器械", "大药房"],
    "R": ["文化传播", "影视传媒", "体育发展", "文化娱乐"],
    "S": ["商会", "协会", "促进会"],
}
INDUSTRY_WEIGHTS: dict[str, int] = {
    "A": 4, "C": 14, "F51": 14, "F52": 14, "F5292": 16, "G": 4, "H61": 2, "H62": 6,
    "I64": 5, "I6432": 1, "I6431": 1, "I65": 5, "J": 1, "K": 1, "L72": 5, "L7271": 1,
    "M": 2, "O": 2, "P": 2, "Q": 3, "R": 3, "S": 1,
}
INDUSTRY_PINYIN: dict[str, str] = {
    "A": "agri", "C": "mfg", "F51": "trade", "F52": "shop", "F5292": "ec", "G": "logistics",
    "H61": "hotel", "H62": "food", "I64": "net", "I6432": "life", "I6431": "b2b", "I65": "soft",
    "J": "fin", "K": "home", "L72": "media", "L7271": "travel", "M": "tech", "O": "service",
    "P": "edu", "Q": "health", "R": "culture", "S": "org",
}

ORG_FORMS = [("有限公司", 62), ("有限责任公司", 14), ("股份有限公司", 8), ("集团有限公司", 2), ("有限公司{city}分公司", 6), ("合伙企业（有限合伙）", 2), ("厂", 6)]
INDIVIDUAL_FORMS = [("店", 30), ("商行", 25), ("经营部", 15), ("工作室", 12), ("门市部", 6), ("批发部", 6), ("便利店", 6)]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力琳斌宇浩凯健俊帆鹏飞婷雪梅晨欣怡佳琪子涵梓轩雨欣嘉豪"
ROADS = ["人民路", "解放路", "中山路", "建设路", "文化路", "和平路", "新华路", "胜利路", "长江路", "黄河路", "工业园路", "科技大道", "创业路", "商贸城路", "滨江大道", "学院路"]
# Hub cities (e-commerce clusters) get more subjects.
HUB_CITIES = {"杭州市": 30, "深圳市": 25, "广州市": 25, "上海市": 25, "北京市": 20, "金华市": 15, "苏州市": 10,
              "东莞市": 10, "泉州市": 10, "成都市": 8, "武汉市": 8, "宁波市": 8, "温州市": 8, "佛山市": 8,
              "南京市": 6, "厦门市": 6, "长沙市": 6, "郑州市": 6, "重庆市": 6, "西安市": 5, "临沂市": 6}
TLDS = [(".com", 50), (".cn", 25), (".com.cn", 15), (".net", 7), (".shop", 3)]
KINDS = [("organisation", 78), ("individual", 17), ("platform", 1), ("community_manager", 4)]
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass
class SiteRow:
    kind: str
    domain: str
    url: str = ""
    platform: str = ""
    name: str = ""
    verified: bool = False
    method: str = ""


@dataclass
class SubjectRow:
    id: int
    kind: str
    name: str
    uscc: str | None
    province: str
    city: str | None
    industry: str
    legal_representative: str
    address: str
    contact_name: str
    contact_phone: str
    status: str
    created_days: int
    brand: str = ""  # the 字号 and the industry word, for drawing realistic queries
    word: str = ""
    sites: list[SiteRow] = field(default_factory=list)


_CUM: dict[int, tuple[list[str], list[int]]] = {}


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    table = _CUM.get(id(pairs))
    if table is None:
        values, cum, total = [p[0] for p in pairs], [], 0
        for p in pairs:
            total += p[1]
            cum.append(total)
        table = _CUM[id(pairs)] = (values, cum)
    return rng.choices(table[0], cum_weights=table[1])[0]


def _load_regions() -> tuple[list[dict[str, str]], dict[str, dict[str, str]]]:
    regions = json.loads(REGIONS_JSON.read_text(encoding="utf-8"))
    by_code = {r["code"]: r for r in regions}
    cities = [r for r in regions if r["level"] == "city"]
    return cities, by_code


def _short(region_name: str) -> str:
    for suffix in ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市", "地区"):
        if region_name.endswith(suffix) and len(region_name) > len(suffix) + 1:
            return region_name[: -len(suffix)]
    return region_name


def uscc_check_char(code17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(code17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _org_code(index: int) -> str:
    """A unique 9-character organisation code (GB 11714 check character):
    older ones all digits, newer ones `MA` + 6 characters."""
    if index % 2 == 0:
        body = f"{(index * 7919 + 12345678) % 100_000_000:08d}"
    else:
        n = (index * 104_729 + 5_000_000) % (31**6)
        chars = []
        for _ in range(6):
            n, r = divmod(n, 31)
            chars.append(USCC_ALPHABET[r])
        body = "MA" + "".join(chars)
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
    c = 11 - sum(v * w for v, w in zip(values, ORG_WEIGHTS, strict=True)) % 11
    check = "X" if c == 10 else "0" if c == 11 else str(c)
    return body + check


def make_uscc(index: int, authority_category: str, division: str) -> str:
    code17 = authority_category + division + _org_code(index)[:9]
    return code17 + uscc_check_char(code17)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _brand(rng: random.Random) -> str:
    n = rng.choices((2, 3, 4), weights=(70, 22, 8))[0]
    return "".join(rng.choice(BRAND_LIST) for _ in range(n))


def _domain(rng: random.Random, brand: str, industry: str) -> str:
    base = "".join(BRAND_CHARS[c] for c in brand)
    style = rng.random()
    if style < 0.4:
        label = base
    elif style < 0.65:
        label = f"{base}-{INDUSTRY_PINYIN[industry]}"
    elif style < 0.85:
        label = f"{base}{rng.randint(1, 999)}"
    else:
        label = "".join(BRAND_CHARS[c][0] for c in brand) + f"{rng.randint(10, 9999)}"
    prefix = "www." if rng.random() < 0.3 else ""
    return prefix + label + _weighted(rng, TLDS)


def _shop(rng: random.Random) -> SiteRow:
    p = rng.random()
    if p < 0.45:
        shop_id = rng.randint(10_000_000, 999_999_999)
        return SiteRow("shop", f"shop{shop_id}.taobao.com", f"https://shop{shop_id}.taobao.com", "淘宝")
    if p < 0.7:
        shop_id = rng.randint(1_000_000, 99_999_999)
        return SiteRow("shop", "mall.jd.com", f"https://mall.jd.com/index-{shop_id}.html", "京东")
    if p < 0.88:
        shop_id = rng.randint(100_000, 999_999_999)
        return SiteRow("shop", "mobile.yangkeduo.com", f"https://mobile.yangkeduo.com/mall_page.html?mall_id={shop_id}", "拼多多")
    shop_id = rng.randint(10**11, 10**12)
    return SiteRow("shop", "haohuo.jinritemai.com", f"https://haohuo.jinritemai.com/views/shop/index?id={shop_id}", "抖音")


def generate(n: int = 100_000, seed: int = 20240601) -> Iterator[SubjectRow]:
    rng = random.Random(seed)
    cities, by_code = _load_regions()
    city_pairs = [(c["code"], HUB_CITIES.get(c["name"], 1)) for c in cities]
    industry_pairs = list(INDUSTRY_WEIGHTS.items())
    for i in range(n):
        city = by_code[_weighted(rng, city_pairs)]
        province = by_code[city["parent"]]
        kind = _weighted(rng, KINDS)
        industry = _weighted(rng, industry_pairs)
        if kind == "platform":
            industry = rng.choice(["I6431", "I6432", "F5292"])
        brand = _brand(rng)
        word = rng.choice(INDUSTRY_WORDS[industry])
        city_short = _short(city["name"])
        prov_short = _short(province["name"])
        division = city["code"][:4] + f"{rng.choice((0, 2, 3, 4, 5, 6, 8)):02d}"
        uscc: str | None = None
        if kind in ("organisation", "platform"):
            form = _weighted(rng, ORG_FORMS).format(city=city_short)
            where = rng.random()
            if where < 0.55:
                name = f"{rng.choice((city_short, city['name']))}{brand}{word}{form}"
            elif where < 0.7:
                name = f"{prov_short}{brand}{word}{form}"
            elif where < 0.85:
                name = f"{brand}（{city_short}）{word}{form}"
            else:
                name = f"{brand}{word}{form}"
            uscc = make_uscc(i, "91", division)
        elif kind == "individual":
            form = _weighted(rng, INDIVIDUAL_FORMS)
            district = rng.choice(("", "", "城区", "开发区", "高新区", "经济技术开发区"))
            name = f"{city['name']}{district}{brand}{word}{form}"
            if rng.random() < 0.7:
                uscc = make_uscc(i, "92", division)
        else:  # community manager: a natural person, often known by the group's name
            name = _person(rng) if rng.random() < 0.5 else f"{_person(rng)}（{city_short}{brand}社区团购）"
        sites: list[SiteRow] = []
        r = rng.random()
        if kind in ("organisation", "platform"):
            for _ in range(2 if r < 0.06 else 1 if r < 0.4 else 0):
                domain = _domain(rng, brand, industry)
                if all(s.domain != domain for s in sites):
                    sites.append(SiteRow("domain", domain, name=brand + word))
            if rng.random() < 0.15:
                sites.append(_shop(rng))
        elif kind == "individual" and r < 0.45:
            sites.append(_shop(rng))
        for s in sites:
            if rng.random() < 0.6:
                s.verified = True
                s.method = {"domain": rng.choice(("dns", "http")), "shop": "page"}[s.kind]
        yield SubjectRow(
            id=i + 1,
            kind=kind,
            name=name,
            uscc=uscc,
            province=province["code"],
            city=city["code"],
            industry=industry,
            legal_representative=_person(rng),
            address=f"{province['name']}{city['name'] if city['name'] != province['name'] else ''}{rng.choice(ROADS)}{rng.randint(1, 999)}号",
            contact_name=_person(rng),
            contact_phone=f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}",
            status="departed" if rng.random() < 0.03 else "active",
            created_days=rng.randint(0, 9 * 365),
            brand=brand if kind != "community_manager" else "",
            word=word if kind != "community_manager" else "",
            sites=sites,
        )


def search_text_fingerprint() -> str:
    """A hash of the code that derives the search columns (`name_key`,
    `search_text`, `search_grams`: all of normalize.py and
    `refresh_search_text`) and of the registry's migrations (the schema and
    the search index), so a cached bench database is rebuilt when they change."""
    import ast
    import hashlib

    h = hashlib.sha256()
    pkg = ROOT / "src" / "chengxin" / "registry"
    h.update((pkg / "normalize.py").read_bytes())
    source = (pkg / "services.py").read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if getattr(node, "name", None) == "refresh_search_text":
            h.update((ast.get_source_segment(source, node) or "").encode())
    for path in sorted((pkg / "migrations").glob("0*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def meta(n: int, seed: int) -> dict[str, int | str]:
    return {"n": n, "seed": seed, "generator_version": GENERATOR_VERSION,
            "search_text": search_text_fingerprint()}


def load(n: int, seed: int, batch: int = 2000) -> None:
    """Bulk insert `n` subjects (and their sites) into an empty, migrated
    database. Django must be configured (DATABASE_URL / CHENGXIN_VAR_DIR)."""
    import django

    django.setup()
    from django.db import connection, transaction

    from chengxin.registry.models import Site, Subject
    from chengxin.registry.normalize import name_key
    from chengxin.registry.services import refresh_search_text
    from chengxin.registry.validators import validate_uscc

    rng = random.Random(seed + 1)
    base = dt.datetime(2016, 1, 1, tzinfo=dt.UTC)
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    subjects: list[Subject] = []
    sites: list[Site] = []
    site_id = 0
    checked = 0

    def flush() -> None:
        Subject.objects.bulk_create(subjects, batch_size=batch)
        Site.objects.bulk_create(sites, batch_size=batch)
        subjects.clear()
        sites.clear()

    with transaction.atomic():
        if Subject.objects.exists():
            raise SystemExit("the bench database already holds subjects; remove it first")
        for row in generate(n, seed):
            if row.uscc and checked < 200:  # the generated codes are valid ones
                assert validate_uscc(row.uscc) == row.uscc, row.uscc
                checked += 1
            created = base + dt.timedelta(days=row.created_days, seconds=rng.randint(0, 86399))
            subject = Subject(
                id=row.id, kind=row.kind, name=row.name, name_key=name_key(row.name), uscc=row.uscc,
                legal_representative=row.legal_representative, address=row.address,
                province_id=row.province, city_id=row.city, industry_id=row.industry,
                contact_name=row.contact_name, contact_phone=row.contact_phone,
                status=row.status, created_at=created, updated_at=created,
                departed_at=created + dt.timedelta(days=300) if row.status == "departed" else None,
            )
            subject_sites = []
            for s in row.sites:
                site_id += 1
                verified_at = created + dt.timedelta(days=rng.randint(1, 60)) if s.verified else None
                subject_sites.append(Site(
                    id=site_id, subject_id=row.id, kind=s.kind, domain=s.domain, url=s.url,
                    platform=s.platform, name=s.name, token=f"{rng.getrandbits(192):048x}",
                    verified_at=verified_at, verified_method=s.method,
                    verified_until=(now + dt.timedelta(days=rng.randint(1, 365))) if s.verified else None,
                    last_check_at=verified_at, created_at=created,
                ))
            # search_text and search_grams by the service's own function, fed the sites from memory
            # (subject.sites.all() reads the prefetch cache instead of the database)
            subject._prefetched_objects_cache = {"sites": subject_sites}
            refresh_search_text(subject)
            del subject._prefetched_objects_cache
            subjects.append(subject)
            sites.extend(subject_sites)
            if len(subjects) >= batch * 5:
                flush()
        flush()
        if connection.vendor == "postgresql":  # explicit ids: move the sequences past them
            from django.core.management.color import no_style

            with connection.cursor() as cur:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Subject, Site]):
                    cur.execute(sql)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:  # what autovacuum would do after a bulk load
            cur.execute("VACUUM ANALYZE registry_subject")
            cur.execute("VACUUM ANALYZE registry_site")
    print(f"loaded {Subject.objects.count()} subjects, {Site.objects.count()} sites "
          f"into {connection.vendor} in {time.perf_counter() - started:.1f} s")


def main() -> None:
    import os

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["load", "sample"])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    if args.action == "sample":
        for row in generate(args.n, args.seed):
            print(row.id, row.kind, row.name, row.uscc or "-", " ".join(s.domain for s in row.sites))
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chengxin.settings")
    load(args.n, args.seed)


if __name__ == "__main__":
    main()
