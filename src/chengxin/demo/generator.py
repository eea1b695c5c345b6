"""Synthetic demo subjects: pure functions, deterministic from a seed.

`generate_subjects(count, seed)` returns a list of plain dicts, one per
subject, shaped like the `data` argument of `registry.services.create_subject`
plus a `sites` list (see `SiteSpec`). Nothing here touches the database, the
network or the clock: the same seed (and the same exclusion sets) always gives
the same names, codes, people and sites.

Everything is made up. Names are assembled from region prefixes, brand words,
industry words and legal-form suffixes (the word lists, weights and places
are in `vocabulary`); codes carry valid check characters
but belong to nobody; web domains are invented (pinyin- or English-looking)
and may by coincidence exist on the internet; contact e-mail addresses use
the reserved example.com/.net/.org domains so nothing can ever be mailed to a
real mailbox.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from chengxin.registry.validators import USCC_ALPHABET, id_check_char, uscc_check_char

from .vocabulary import (
    ASSOCIATION_DISTINGUISHERS,
    ASSOCIATIONS,
    BRANDS,
    CITY_WEIGHTS,
    COMMUNITY_DISTINGUISHERS,
    COMMUNITY_SUFFIXES,
    COMMUNITY_WORDS,
    COMPANY_DISTINGUISHERS,
    COMPANY_WORDS,
    COUNTY_CITIES,
    DISTRICTS,
    DOMAIN_TAILS,
    EN_WORDS,
    FAILED_CHECK_SHARE,
    FAMILY_NAMES,
    GENERIC_COMPANY_WORDS,
    GENERIC_DISTRICTS,
    GENERIC_SHOP_WORDS,
    GIVEN_PARTS,
    GROUP_WORDS,
    INDUSTRY_WEIGHTS,
    MOBILE_PREFIXES,
    ORG_SUFFIXES,
    PLATFORM_WORDS,
    PROVINCE_WEIGHTS,
    ROADS,
    SHOP_BRANDS,
    SHOP_DISTINGUISHERS,
    SHOP_PLATFORMS,
    SHOP_WORDS,
    TLDS,
    VERIFIED_SHARE,
    ZONES,
    Place,
    load_industries,
    load_regions,
    mainland_places,
    split_kinds,
)


class _Generator:
    def __init__(
        self,
        seed: int,
        regions: Iterable[dict[str, Any]],
        industries: Iterable[dict[str, Any]],
        taken_names: Iterable[str],
        taken_codes: Iterable[str],
        id_taken: Callable[[str], bool] | None,
    ) -> None:
        self.rng = random.Random(seed)
        self.places = mainland_places(regions)
        self.industry_codes = [i["code"] for i in industries]
        self.names: set[str] = set(taken_names)
        self.codes: set[str] = set(taken_codes)
        self.id_taken = id_taken
        self.domains: set[str] = set()
        self.urls: set[str] = set()
        self.last_family = ("", "")
        self.province_codes = sorted(self.places)
        self.province_weights = [PROVINCE_WEIGHTS.get(c[:2], 1.0) for c in self.province_codes]

    # small helpers ------------------------------------------------------------

    def weighted(self, pairs: Sequence[tuple[str, float]]) -> str:
        items = [p[0] for p in pairs]
        weights = [p[1] for p in pairs]
        return self.rng.choices(items, weights=weights)[0]

    def place(self, province_code: str) -> Place:
        cities = self.places[province_code]
        weights = [4.0 if i == 0 and len(cities) > 1 else CITY_WEIGHTS.get(c.city_name, 1.0)
                   for i, c in enumerate(cities)]
        return self.rng.choices(cities, weights=weights)[0]

    def industry(self, kind: str) -> str:
        table = INDUSTRY_WEIGHTS[kind]
        codes = [c for c in self.industry_codes if c in table] or self.industry_codes
        return self.rng.choices(codes, weights=[table.get(c, 1.0) for c in codes])[0]

    def person(self, gender: str | None = None) -> tuple[str, str, str]:
        """(name, pinyin, gender "m"/"f"); the family name is kept in
        `self.last_family` as (hanzi, pinyin)."""
        rng = self.rng
        gender = gender or rng.choice("mf")
        weights = [1 / (i + 8) for i in range(len(FAMILY_NAMES))]
        family, family_py = rng.choices(FAMILY_NAMES, weights=weights)[0]
        self.last_family = (family, family_py)
        if rng.random() < 0.4:
            given, given_py = rng.choice(GIVEN_PARTS[gender, 1])
        else:
            first, first_py = rng.choice(GIVEN_PARTS[gender, 0])
            second, second_py = rng.choice(GIVEN_PARTS[gender, 2])
            if second == first:
                second, second_py = rng.choice(GIVEN_PARTS[gender, 1])
            given, given_py = first + second, first_py + second_py
        return family + given, family_py + given_py, gender

    def phone(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def email(self, local: str) -> str:
        domain = self.weighted((("example.com", 6), ("example.net", 2), ("example.org", 2)))
        return f"{local}@{domain}"

    def address(self, place: Place, *, home: str = "", district: str = "",
                shop: bool = False, office: bool = False) -> str:
        rng = self.rng
        if not district:
            districts = DISTRICTS.get(place.city_name)
            district = rng.choice(districts.split()) if districts else rng.choice(GENERIC_DISTRICTS)
        if home:
            return (f"{place.address_prefix}{district}{home}{rng.randint(1, 32)}栋"
                    f"{rng.randint(1, 4)}单元{rng.randint(1, 28)}{rng.randint(1, 6):02d}室")
        road = rng.choice(ROADS)
        if shop:
            extra = rng.choice(("", "", "一楼", f"{rng.randint(1, 80)}号商铺", "一层门面",
                                f"{rng.randint(1, 12)}栋底商"))
            return f"{place.address_prefix}{district}{road}{rng.randint(1, 999)}号{extra}"
        extra = rng.choice((
            "", "", f"{rng.randint(1, 20)}幢{rng.randint(1, 25)}{rng.randint(1, 12):02d}室",
            f"{rng.randint(2, 30)}楼", f"B座{rng.randint(2, 28)}层",
            f"{rng.randint(1, 9)}号楼{rng.randint(1, 18)}层{rng.randint(1, 20):02d}室",
            f"{rng.randint(1, 60)}号商铺", "1号厂房",
        )[: 6 if office else None])
        return f"{place.address_prefix}{district}{road}{rng.randint(1, 999)}号{extra}"

    def uscc(self, authority: str, category: str, division: str) -> str:
        while True:
            body = authority + category + division + "".join(
                self.rng.choice(USCC_ALPHABET) for _ in range(9)
            )
            code = body + uscc_check_char(body)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def id_number(self, division: str, gender: str) -> str:
        rng = self.rng
        start = dt.date(1962, 1, 1).toordinal()
        end = dt.date(2003, 12, 31).toordinal()
        while True:
            born = dt.date.fromordinal(rng.randint(start, end))
            last = rng.choice("13579" if gender == "m" else "02468")
            body = f"{division}{born:%Y%m%d}{rng.randrange(100):02d}{last}"
            code = body + id_check_char(body)
            if code not in self.codes and not (self.id_taken and self.id_taken(code)):
                self.codes.add(code)
                return code

    def unique_name(self, build: Callable[[], tuple[str, str, Sequence[str]]]) -> str:
        """`build()` gives (template with {x}, base, distinguishers): try a few
        fresh builds, then insert distinguishing words at {x}."""
        for _ in range(4):
            template, base, dist = build()
            name = template.format(x=base)
            if name not in self.names:
                self.names.add(name)
                return name
        if "{x}" not in template:
            template += "{x}"
        for attempt in range(200):
            extra = self.rng.choice(dist)
            if attempt >= len(dist):
                extra += self.rng.choice(dist)
            name = template.format(x=base + extra)
            if name not in self.names:
                self.names.add(name)
                return name
        n = 2
        while template.format(x=f"{base}{n}") in self.names:
            n += 1
        name = template.format(x=f"{base}{n}")
        self.names.add(name)
        return name

    def domain(self, brand_py: str, industry: str, place: Place) -> str:
        rng = self.rng
        tails = DOMAIN_TAILS.get(industry, ("group",))
        city = "".join(ch for ch in place.city_en.lower() if ch.isalnum())
        # Always two parts: a bare word (nova.com) is far too likely to be
        # somebody's real domain.
        style = rng.random()
        if style < 0.45:
            label = brand_py + rng.choice((*tails, "china", "group", "cn"))
        elif style < 0.65:
            label = f"{brand_py}-{rng.choice(tails)}"
        elif style < 0.8 and city:
            label = city[:12] + brand_py
        else:
            label = rng.choice(EN_WORDS) + rng.choice((*tails, "china", "group"))
        tld = self.weighted(TLDS)
        domain = f"{label}.{tld}"
        while domain in self.domains:
            domain = f"{label}{rng.randint(2, 999)}.{tld}"
        self.domains.add(domain)
        return domain

    def shop(self, kind: str, brand: str, brand_py: str, industry: str) -> dict[str, str]:
        rng = self.rng
        platform = self.weighted(SHOP_PLATFORMS[kind])
        while True:
            if platform == "淘宝":
                url = f"https://shop{rng.randint(10**7, 6 * 10**8)}.taobao.com"
                name = brand + rng.choice(("小店", "的店", "家", "优选店", "工厂店", "精品店"))
            elif platform == "天猫":
                url = f"https://{brand_py}{rng.choice(('', '', 'fs', 'sp', 'jj', 'dq'))}.tmall.com"
                name = brand + rng.choice(("旗舰店", "官方旗舰店", "专营店"))
            elif platform == "京东":
                url = f"https://mall.jd.com/index-{rng.randint(10**6, 13 * 10**6)}.html"
                name = brand + rng.choice(("京东旗舰店", "旗舰店", "专营店"))
            elif platform == "拼多多":
                url = f"https://mobile.yangkeduo.com/mall_page.html?mall_id={rng.randint(10**8, 9 * 10**8)}"
                name = brand + rng.choice(("旗舰店", "专营店", "小店", "工厂店"))
            elif platform == "抖音":
                shop_id = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz")
                                  for _ in range(8))
                url = f"https://haohuo.jinritemai.com/views/shop/index?id={shop_id}"
                name = brand + rng.choice(("的小店", "抖音小店", "好物店"))
            elif platform == "有赞":
                url = f"https://shop{rng.randint(10**5, 10**8)}.youzan.com"
                name = brand + rng.choice(("团购", "好物铺", "生活馆"))
            else:  # 微店
                url = f"https://weidian.com/?userid={rng.randint(10**8, 2 * 10**9)}"
                name = brand + rng.choice(("微店", "的小铺", "好物铺"))
            if url not in self.urls:
                self.urls.add(url)
                return {"kind": "shop", "address": url, "platform": platform, "name": name}
            if platform == "天猫":
                brand_py += str(rng.randint(2, 99))

    def site_state(self) -> str | None:
        r = self.rng.random()
        if r < VERIFIED_SHARE:
            return "ok"
        if r < VERIFIED_SHARE + (1 - VERIFIED_SHARE) * FAILED_CHECK_SHARE:
            return "fail"
        return None

    # subjects -------------------------------------------------------------------

    def organisation(self, place: Place, industry: str, platform: bool = False) -> dict[str, Any]:
        rng = self.rng
        brand, brand_py = rng.choice(BRANDS)
        association = industry == "S" and not platform
        division = place.city_code

        def build() -> tuple[str, str, Sequence[str]]:
            nonlocal brand, brand_py, division
            brand, brand_py = rng.choice(BRANDS)
            if association:
                # a provincial association is registered with the province
                provincial = rng.random() < 0.2 and not place.municipality
                division = place.province_code if provincial else place.city_code
                region = place.province_name if provincial else place.full
                return region + "{x}" + rng.choice(ASSOCIATIONS), "", ASSOCIATION_DISTINGUISHERS
            if platform and rng.random() < 0.5:
                return "{x}" + rng.choice(PLATFORM_WORDS.get(industry, ("优选平台",))), brand, \
                    COMPANY_DISTINGUISHERS
            if platform:
                words = rng.choice(("网络科技", "信息技术", "电子商务", "网络技术"))
            else:
                words = rng.choice(COMPANY_WORDS.get(industry, GENERIC_COMPANY_WORDS))
            suffix = self.weighted(ORG_SUFFIXES)
            style = rng.random()
            zones = ZONES.get(place.city_name)
            if style < 0.45:
                prefix = place.short
            elif style < 0.65:
                prefix = place.full + (rng.choice(zones) if zones and rng.random() < 0.5 else "")
            elif style < 0.75:
                prefix = place.province_short
            elif style < 0.85:
                return "{x}（" + place.short + "）" + words + suffix, brand, COMPANY_DISTINGUISHERS
            else:
                prefix = place.short + (rng.choice(zones) if zones else "")
            if suffix == "集团有限公司" and style >= 0.85:
                suffix = "有限公司"
            return prefix + "{x}" + words + suffix, brand, COMPANY_DISTINGUISHERS

        name = self.unique_name(build)
        # Social organisations are registered by 民政 (authority 5, 社会团体 1).
        authority, category = ("5", "1") if association else ("9", "1")
        rep, rep_py, _ = self.person()
        contact, contact_py = (rep, rep_py) if rng.random() < 0.3 else self.person()[:2]
        local = rng.choice(("service", "contact", "kefu", "info", "sales", "hr", contact_py))
        sites: list[dict[str, Any]] = []
        n_domains = 1 if association else rng.choices((0, 1, 2), weights=(15, 60, 25))[0]
        if platform:
            n_domains = rng.choice((1, 1, 2))
        for i in range(n_domains):
            sites.append({
                "kind": "domain", "address": self.domain(brand_py, industry, place),
                "platform": "",
                "name": brand + rng.choice(("官网", "官方商城", "商城", "服务平台")) if i == 0
                else brand + rng.choice(("招商站", "开放平台", "帮助中心", "企业采购")),
            })
        if not platform and not association and rng.random() < 0.35:
            for _ in range(2 if rng.random() < 0.15 else 1):
                sites.append(self.shop("organisation", brand, brand_py, industry))
        for s in sites:
            s["verify"] = self.site_state()
        return {
            "kind": "platform" if platform else "organisation",
            "name": name,
            "uscc": self.uscc(authority, category, division),
            "id_number": "",
            "legal_representative": rep,
            "address": self.address(place, office=platform or association),
            "province": place.province_code,
            "city": place.city_code,
            "industry": industry,
            "contact_name": contact,
            "contact_phone": self.phone(),
            "contact_email": self.email(f"{local}.{brand_py}" if local != contact_py else local),
            "sites": sites,
        }

    def individual(self, place: Place, industry: str) -> dict[str, Any]:
        rng = self.rng
        owner, owner_py, gender = self.person()
        family, family_py = self.last_family
        brand, brand_py = rng.choice(SHOP_BRANDS)
        county = ""

        def build() -> tuple[str, str, Sequence[str]]:
            nonlocal brand, brand_py, county
            r = rng.random()
            if r < 0.15:  # 陈记 / 老陈家
                brand, brand_py = rng.choice(((family + "记", family_py + "ji"),
                                              ("老" + family + "家", "lao" + family_py + "jia")))
            else:
                brand, brand_py = rng.choice(SHOP_BRANDS)
            counties = COUNTY_CITIES.get(place.city_name)
            p = rng.random()
            county = ""
            if counties and p < 0.35:
                county = prefix = rng.choice(counties) + "市"
            elif p < 0.7:
                prefix = place.short
            else:
                prefix = place.full
            word = rng.choice(SHOP_WORDS.get(industry, GENERIC_SHOP_WORDS))
            return prefix + "{x}" + word, brand, SHOP_DISTINGUISHERS

        name = self.unique_name(build)
        with_uscc = rng.random() < 0.55
        with_id = not with_uscc or rng.random() < 0.5
        sites: list[dict[str, Any]] = []
        if rng.random() < 0.85:
            sites.append(self.shop("individual", brand, brand_py, industry))
            if rng.random() < 0.25:
                sites.append(self.shop("individual", brand, brand_py, industry))
        if rng.random() < 0.1:
            sites.append({"kind": "domain", "address": self.domain(brand_py, industry, place),
                          "platform": "", "name": brand + "小站"})
        for s in sites:
            s["verify"] = self.site_state()
        return {
            "kind": "individual",
            "name": name,
            "uscc": self.uscc("9", "2", place.city_code) if with_uscc else "",
            "id_number": self.id_number(place.city_code, gender) if with_id else "",
            "legal_representative": owner,
            "address": self.address(place, district=county, shop=True),
            "province": place.province_code,
            "city": place.city_code,
            "industry": industry,
            "contact_name": owner,
            "contact_phone": self.phone(),
            "contact_email": self.email(f"{owner_py}{rng.randint(60, 99)}"),
            "sites": sites,
        }

    def community_manager(self, place: Place, industry: str) -> dict[str, Any]:
        rng = self.rng
        person, person_py, gender = self.person(rng.choice("ffm"))  # mostly 宝妈 团长
        community = ""

        def build() -> tuple[str, str, Sequence[str]]:
            nonlocal community
            community = rng.choice(COMMUNITY_WORDS) + rng.choice(COMMUNITY_SUFFIXES)
            style = rng.random()
            if style < 0.35:
                return f"团长-{person}" + "(社区团购{x})", "", ("·" + community,)
            if style < 0.6:
                return f"团长-{person}" + "({x}团购群)", community, COMMUNITY_DISTINGUISHERS
            if style < 0.8:
                return f"群主-{person}" + "({x}" + rng.choice(GROUP_WORDS) + ")", community, \
                    COMMUNITY_DISTINGUISHERS
            return f"{person}的社区团购" + "({x})", community, COMMUNITY_DISTINGUISHERS

        name = self.unique_name(build)
        sites: list[dict[str, Any]] = []
        if rng.random() < 0.5:
            sites.append(self.shop("community_manager", person, person_py, industry))
        for s in sites:
            s["verify"] = self.site_state()
        return {
            "kind": "community_manager",
            "name": name,
            "uscc": "",
            "id_number": self.id_number(place.city_code, gender),
            "legal_representative": person,
            "address": self.address(place, home=community or "幸福小区"),
            "province": place.province_code,
            "city": place.city_code,
            "industry": industry,
            "contact_name": person,
            "contact_phone": self.phone(),
            "contact_email": self.email(f"{person_py}{rng.randint(1, 999)}"),
            "sites": sites,
        }

    def generate(self, count: int) -> list[dict[str, Any]]:
        rng = self.rng
        kinds = [k for k, n in split_kinds(count).items() for _ in range(n)]
        rng.shuffle(kinds)
        # Every province and every industry appears at least once (given
        # enough subjects): the first of each are assigned round-robin.
        first_provinces = rng.sample(self.province_codes, len(self.province_codes))
        first_industries = rng.sample(self.industry_codes, len(self.industry_codes))
        out: list[dict[str, Any]] = []
        n_org = 0
        for i, kind in enumerate(kinds):
            if i < len(first_provinces):
                province = first_provinces[i]
            else:
                province = rng.choices(self.province_codes, weights=self.province_weights)[0]
            place = self.place(province)
            if kind == "organisation" and n_org < len(first_industries):
                industry = first_industries[n_org]
            else:
                industry = self.industry(kind)
            if kind == "organisation":
                n_org += 1
                out.append(self.organisation(place, industry))
            elif kind == "platform":
                out.append(self.organisation(place, industry, platform=True))
            elif kind == "individual":
                out.append(self.individual(place, industry))
            else:
                out.append(self.community_manager(place, industry))
        return out


def generate_subjects(
    count: int = 2400,
    seed: int = 2026,
    *,
    regions: Iterable[dict[str, Any]] | None = None,
    industries: Iterable[dict[str, Any]] | None = None,
    taken_names: Iterable[str] = (),
    taken_codes: Iterable[str] = (),
    id_taken: Callable[[str], bool] | None = None,
) -> list[dict[str, Any]]:
    """`count` subject dicts, the same for the same arguments.

    `taken_names` / `taken_codes` (USCCs and identity numbers) are avoided,
    as are identity numbers for which `id_taken(number)` is true: used when
    demo data is added to a database that already has subjects.

    Each dict holds the fields of `registry.services.create_subject` plus
    `sites`: a list of {kind, address, platform, name, verify}, where verify is
    "ok" (to be shown verified), "fail" (a failed check on record) or None.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    gen = _Generator(
        seed,
        load_regions() if regions is None else regions,
        load_industries() if industries is None else industries,
        taken_names,
        taken_codes,
        id_taken,
    )
    return gen.generate(count)
