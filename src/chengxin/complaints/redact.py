"""Detection and redaction of the complainant's personal data in complaint
texts before they are published ("also from free text").

Pure Python, no Django: it runs on every public render of a complaint.

    find_personal_data(text, known=...) -> list[Finding]
    redact(text, known=...) -> str

Detectors run on the NFKC-normalised text (full-width digits, ＠, ：, （）
become ASCII) and report spans in the ORIGINAL text:

* phone: mainland mobiles (1[3-9] + 9 digits, optional +86 / 0086 / 86,
  space or hyphen separators anywhere) and landlines with an area code
  (010-12345678, 0755-1234567, (021)12345678). 400/800 hotlines are kept.
* id_number: 18-character resident identity numbers (GB 11643: province
  prefix, plausible birth date, check character) and 15-digit old ones
  (province prefix, plausible birth date).
* email.
* address: street + house number (…路/街/大道/巷/弄/胡同 N号 …) with the
  administrative divisions before it and the building/unit/room after it;
  residential compounds with a building or unit (xx小区3栋2单元501); bare
  building + unit (3栋2单元501); villages after a county/town (…县…镇…村).
* order_number: 10+ alphanumerics after 订单/订单号/单号/运单/快递单/交易号/
  order …; bare runs of 16+ digits that are not identity or bank card numbers.
* bank_card: 16–19 digits passing the Luhn check (3/4/5/6 first digit),
  unbroken or in groups of four.
* name: a 2–4 character Chinese name with a common surname after a cue
  (我叫, 本人, 我是, 姓名, 联系人, 收件人, 收货人 …), or 张先生/李女士 after a cue.
* known: every occurrence of a value the complainant entered themselves
  (name, phone, e-mail, address, order reference …), also with spaces or
  hyphens inside numbers and with full-width characters.

Overlapping findings are merged into one (nothing half-redacted); the merged
finding takes the kind of its longest part.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["PLACEHOLDERS", "Finding", "find_personal_data", "redact"]

PLACEHOLDERS: dict[str, str] = {
    "phone": "[手机号已隐藏]",
    "id_number": "[身份证号已隐藏]",
    "email": "[邮箱已隐藏]",
    "address": "[地址已隐藏]",
    "order_number": "[订单号已隐藏]",
    "bank_card": "[银行卡号已隐藏]",
    "name": "[姓名已隐藏]",
    "known": "[个人信息已隐藏]",
}

# When merged findings are equally long, the earlier kind names the result.
_PRIORITY = ("email", "id_number", "order_number", "bank_card", "phone", "address", "name", "known")


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int
    text: str


# --------------------------------------------------------------------------
# Identity numbers, bank cards, phones: digit runs

_ID_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
_ID_WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))
_ID_CHECK = "10X98765432"


def _plausible_birth(year: int, month: int, day: int) -> bool:
    try:
        born = dt.date(year, month, day)
    except ValueError:
        return False
    return year >= 1900 and born <= dt.date.today()


def _valid_id18(code: str) -> bool:
    if len(code) != 18 or not code[:17].isdecimal() or code[:2] not in _ID_PROVINCES:
        return False
    if not _plausible_birth(int(code[6:10]), int(code[10:12]), int(code[12:14])):
        return False
    check = _ID_CHECK[sum(int(c) * w for c, w in zip(code[:17], _ID_WEIGHTS, strict=True)) % 11]
    return code[17].upper() == check


def _valid_id15(code: str) -> bool:
    return (
        len(code) == 15
        and code.isdecimal()
        and code[:2] in _ID_PROVINCES
        and _plausible_birth(1900 + int(code[6:8]), int(code[8:10]), int(code[10:12]))
    )


def _luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


_MOBILE = re.compile(r"(?:0086|86)?1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0(?:10|2[0-9]|[3-9][0-9]{2})[1-9][0-9]{6,7}")
_LANDLINE_AREA = re.compile(r"0(?:10|2[0-9]|[3-9][0-9]{2})")
_HOTLINE = re.compile(r"[48]00[0-9]{7}")

# A run of digit groups joined by one space or a hyphen (optionally spaced);
# an identity number may end in X.
_SEP = r"(?: ?[-‐‑‒–—] ?| )"
_RUN = re.compile(rf"(?<![0-9])[0-9]+(?:{_SEP}[0-9]+)*(?:[Xx](?![A-Za-z0-9]))?")
_GROUP = re.compile(r"[0-9]+[Xx]?")
_PAREN_LANDLINE = re.compile(
    r"\( ?0(?:10|2[0-9]|[3-9][0-9]{2}) ?\) ?[1-9][0-9]{2,3}[ -]?[0-9]{4}(?![0-9])"
)


def _classify(compact: str, sizes: list[int]) -> str | None:
    """What a digit string (joined from groups of `sizes` digits) is, if personal."""
    n = len(compact)
    if compact[-1] in "Xx":
        return "id_number" if _valid_id18(compact) else None
    if (n == 18 and _valid_id18(compact)) or (n == 15 and _valid_id15(compact)):
        return "id_number"
    if _MOBILE.fullmatch(compact):
        return "phone"
    if _HOTLINE.fullmatch(compact):
        return None
    if _LANDLINE.fullmatch(compact) and (
        # written in groups: area code first, then groups of 3+ digits
        # (not 2026-03-05 2026-03-06)
        len(sizes) == 1 or (_LANDLINE_AREA.fullmatch(compact[: sizes[0]]) and min(sizes[1:]) >= 3)
    ):
        return "phone"
    if n >= 16:
        # Unbroken, or in the groups of four cards are written in; other
        # groupings are more likely several numbers (dates, amounts).
        if len(sizes) > 1 and (any(s != 4 for s in sizes[:-1]) or sizes[-1] > 4):
            return None
        if n <= 19 and compact[0] in "3456" and _luhn(compact):
            return "bank_card"
        return "order_number"
    return None


def _find_numbers(norm: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for run in _RUN.finditer(norm):
        if run.end() - run.start() < 10:
            continue  # fewer than 10 digits: nothing personal
        groups = [
            (m.start(), m.end(), m.group()) for m in _GROUP.finditer(norm, run.start(), run.end())
        ]
        digits = "".join(g[2] for g in groups)
        offsets = [0]
        for g in groups:
            offsets.append(offsets[-1] + len(g[2]))
        cands: list[tuple[int, int, str]] = []
        # Every span of whole groups that could be one number (at most 19
        # digits, or a single unbroken group of any length).
        for i in range(len(groups)):
            for j in range(i, len(groups)):
                n = offsets[j + 1] - offsets[i]
                if j > i and n > 19:
                    break
                if n < 10:
                    continue
                sizes = [len(g[2]) for g in groups[i : j + 1]]
                kind = _classify(digits[offsets[i] : offsets[j + 1]], sizes)
                if kind:
                    cands.append((groups[i][0], groups[j][1], kind))
        # Longest first, then leftmost; no overlaps within a run.
        cands.sort(key=lambda c: (c[0] - c[1], c[0]))
        used = bytearray(run.end() - run.start())
        base = run.start()
        for start, end, kind in cands:
            if any(used[start - base : end - base]):
                continue
            used[start - base : end - base] = b"\x01" * (end - start)
            if kind == "phone" and start and norm[start - 1] == "+":
                start -= 1
            found.append((start, end, kind))
    for m in _PAREN_LANDLINE.finditer(norm):
        found.append((m.start(), m.end(), "phone"))
    return found


# --------------------------------------------------------------------------
# E-mail, order numbers

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?![A-Za-z0-9])"
)

_ORDER = re.compile(
    r"(?:(?:订单|运单|快递单|物流单|交易单|退款单|售后单|工单|交易|流水|快递|单)(?:编号|号码|号)"
    r"|订单|运单|快递单|物流单"
    r"|(?<![A-Za-z])(?i:order)(?:[ ]?(?i:no|number|num|id))?\.?)"
    r"\s*(?:[:#]|为|是)?\s*#?\s*"
    r"(?P<v>[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){9,})"
)


def _find_orders(norm: str) -> list[tuple[int, int, str]]:
    found = []
    for m in _ORDER.finditer(norm):
        value = m.group("v")
        if sum(c.isdigit() for c in value) >= 4:
            found.append((m.start("v"), m.end("v"), "order_number"))
    return found


def _extend_order_tokens(
    norm: str, found: list[tuple[int, int, str]]
) -> list[tuple[int, int, str]]:
    """A bare 16+ digit order number glued to letters (JD2026…) takes the whole token."""
    out = []
    for start, end, kind in found:
        if kind == "order_number":
            while start and norm[start - 1].isascii() and norm[start - 1].isalnum():
                start -= 1
            while end < len(norm) and norm[end].isascii() and norm[end].isalnum():
                end += 1
        out.append((start, end, kind))
    return out


# --------------------------------------------------------------------------
# Addresses

# Characters that end a place name when reading leftwards: they belong to the
# sentence (住在, 地址是, 位于, 寄到 …), not to the address.
_STOP = "在住是址为到至寄往把被给送收去位于我你他她们的了与及或并但而就也还又再才说称诉告问找请将已"
_CJK_NOT = "\x00-\u33ff\ua000-\U0010ffff"
_NC = f"[^{_CJK_NOT}{_STOP}]"  # a CJK character that may be part of a place name
_NC_ADMIN = f"[^{_CJK_NOT}{_STOP}省市区县旗镇乡盟]"
_AL = rf"(?:{_NC}|[A-Za-z])"

_ADMIN = rf"(?:{_NC_ADMIN}{{1,8}}(?:[省市区县旗镇乡盟]|自治州|街道))"
_STREET = rf"(?:{_AL}{{1,10}}?(?:大道|大街|路|街|巷|弄|胡同)(?:[一二三四五六七八九十]{{1,3}}段|[0-9]+段)?)"
_HOUSE = r"(?:\s*[0-9]+(?:-[0-9]+)?\s*[号弄])"
_UNIT = r"(?:[0-9A-Za-z]+(?:-[0-9]+)*\s*(?:号楼|号院|栋|幢|座|单元|楼|层|室|号|户|期|门|弄|排|组))"
# A room number right after the building/unit (3栋2单元501, 3-2-501): not
# after a space, not a year, amount or count.
_ROOM = r"(?:(?:[0-9]{1,3}(?:-[0-9]{1,5})+|[0-9]{2,5})(?![0-9]|\s*[年月日元块个件次天台号%]))"
_ESTATE = rf"(?:{_AL}{{1,12}}?(?:小区|花园|公寓|大厦|广场|家园|新村|社区|苑|城|村|园|府|庭|中心|大楼|公馆|山庄))"
_HOME = rf"(?:{_AL}{{1,12}}?(?:小区|花园|公寓|大厦|家园|新村|社区|苑|村|公馆|山庄))"
_BUILDING = r"(?:[0-9A-Za-z]+\s*(?:号楼|栋|幢|座))"
_DETAIL = rf"(?:\s*(?:{_UNIT}|{_ESTATE})|{_ROOM})"

_ADDRESS = re.compile(
    rf"(?:{_ADMIN}){{0,5}}{_STREET}{_HOUSE}{_DETAIL}*"
    rf"|(?:{_ADMIN}){{0,5}}{_HOME}(?:\s*{_UNIT}|{_ROOM})+"
    rf"|(?:{_ADMIN}){{0,5}}{_BUILDING}(?:\s*{_UNIT}|{_ROOM})+"
    rf"|(?:{_ADMIN}){{1,5}}{_NC}{{1,6}}?村(?:\s*[0-9]+\s*[组号队])*"
)
# Addresses never span punctuation: the text is cut into clauses, and only
# clauses with a house/building number, a residential compound or a village
# are searched (the full pattern is slow to try at every position).
_CLAUSE = re.compile(r"[^,.;:!?，。；：！？、()（）\[\]【】<>《》「」『』\"'“”‘’\r\n]+")
_ADDRESS_HINT = re.compile(
    r"[0-9A-Za-z]\s*[号弄栋幢座]|小区|花园|公寓|大厦|家园|新村|社区|苑|村|公馆|山庄"
)


def _find_addresses(norm: str) -> list[tuple[int, int, str]]:
    if not _ADDRESS_HINT.search(norm):
        return []
    found = []
    for clause in _CLAUSE.finditer(norm):
        start, end = clause.span()
        if _ADDRESS_HINT.search(norm, start, end):
            found += [(m.start(), m.end(), "address") for m in _ADDRESS.finditer(norm, start, end)]
    return found


# --------------------------------------------------------------------------
# Names

_COMPOUND_SURNAMES = (
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 西门 南宫 独孤 呼延"
).split()
# The ~120 most common single-character surnames, without those that are
# far more often ordinary words after 本人/我是 (成, 时, 和, 明, 全, 常 …).
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "钱严覃武戴莫孔汤温康施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹欧耿兰焦俞左柳甘祝包宁符舒阮柯"
    "纪梅童凌毕季裴霍涂苗谷盛翁冉骆蓝辛靳柴鲍喻祁蒲滕屈饶艾尤穆卓缪褚娄窦戚岑党宫费卜冷晏卫瞿佟"
)
# Characters that do not continue a given name but start the next words
# (电话, 手机, 地址, 身份证, 订单, 今年, 已经 …).
_NOT_GIVEN = (
    "的了是在和与及就也都还又再已曾将要会能可说称讲购买卖收到从向对把被给让请电手号地址住身订快"
    "先女今昨日月年元块个件次因通于等去来退换投诉反映联系级度端价兴口姓名性别者"
)
_GIVEN = f"[^{_CJK_NOT}{_NOT_GIVEN}]"
_NAME_CUE = (
    r"(?:我叫|我的名字(?:是|叫)|名字(?:是|叫)|名叫|本人(?:姓名)?|我是|姓名|联系人|收件人|收货人"
    r"|寄件人|投诉人|申请人|持卡人|机主|户名|户主)"
)
_SURNAME = "(?:" + "|".join(_COMPOUND_SURNAMES) + f"|[{_SURNAMES}])"
_NAME = re.compile(
    rf"{_NAME_CUE}\s*:?\s*(?:是|为|叫)?\s*(?P<n>{_SURNAME}(?:先生|女士|小姐|{_GIVEN}{{1,2}}))"
)


def _find_names(norm: str) -> list[tuple[int, int, str]]:
    return [(m.start("n"), m.end("n"), "name") for m in _NAME.finditer(norm)]


# --------------------------------------------------------------------------
# Known values


def _known_pattern(value: str) -> str | None:
    chars = [c for c in unicodedata.normalize("NFKC", value) if not c.isspace()]
    if len(chars) < 2:
        return None
    joined = "".join(chars)
    if re.fullmatch(r"[+()0-9-]+", joined) or (
        re.fullmatch(r"[A-Za-z0-9+()-]+", joined) and sum(c.isdigit() for c in joined) >= 5
    ):
        # A number or reference: digits and letters only, any spaces or
        # hyphens allowed between them.
        chars = [c for c in chars if c.isalnum()]
        if sum(c.isdigit() for c in chars) < 5 and len(chars) < 5:
            return None  # "12", "2026": would remove far too much
        return r"[\s\-‐‑‒–—]*".join(re.escape(c) for c in chars)
    if 2 <= len(chars) <= 4 and all("\u3400" <= c <= "\u9fff" for c in chars):
        return re.escape(joined)  # a Chinese name: exact occurrences
    return r"\s*".join(re.escape(c) for c in chars)


def _find_known(norm: str, known: Iterable[str]) -> list[tuple[int, int, str]]:
    patterns = {p for p in map(_known_pattern, known) if p}
    if not patterns:
        return []
    # Longest first so that a value containing another one wins.
    rx = re.compile("|".join(sorted(patterns, key=len, reverse=True)), re.IGNORECASE)
    return [(m.start(), m.end(), "known") for m in rx.finditer(norm) if m.end() > m.start()]


# --------------------------------------------------------------------------


def _simple_chars() -> str:
    """A character class of the characters whose NFKC form is one character
    that does not combine with its neighbours: a run of them normalises
    character by character, so positions do not move."""
    ranges = ["\\x00-\\x7f", "\u3400-\u4dbf", "\u4e00-\u9fff"]
    for block in (
        range(0xA0, 0x100),
        range(0x2000, 0x2070),
        range(0x3000, 0x3040),
        range(0xFF00, 0xFFF0),
    ):
        for cp in block:
            ch = chr(cp)
            n = unicodedata.normalize("NFKC", ch)
            if len(n) == 1 and not unicodedata.combining(n) and not unicodedata.combining(ch):
                ranges.append(re.escape(ch))
    return "".join(ranges)


_COMPLEX = re.compile(f"[^{_simple_chars()}]+")


@functools.lru_cache(maxsize=4096)
def _nfkc(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch)


def _normalise(text: str) -> tuple[str, list[int] | None]:
    """NFKC, character by character so that every normalised character can be
    traced back: the normalised text and, unless positions did not move, the
    index in `text` of each of its characters. (Chinese text is rarely NFKC
    already: ，：（） are full-width.)"""
    if unicodedata.is_normalized("NFKC", text):
        return text, None
    if not _COMPLEX.search(text):
        return unicodedata.normalize("NFKC", text), None
    parts: list[str] = []
    index: list[int] = []
    pos = 0
    for m in _COMPLEX.finditer(text):
        parts.append(unicodedata.normalize("NFKC", text[pos : m.start()]))
        index.extend(range(pos, m.start()))
        for i in range(m.start(), m.end()):
            n = _nfkc(text[i])
            parts.append(n)
            index.extend([i] * len(n))
        pos = m.end()
    parts.append(unicodedata.normalize("NFKC", text[pos:]))
    index.extend(range(pos, len(text)))
    return "".join(parts), index


def find_personal_data(text: str, *, known: Iterable[str] = ()) -> list[Finding]:
    """The complainant's personal data in `text`: non-overlapping findings
    sorted by start, spans in `text` itself (not the normalised form)."""
    if not text:
        return []
    norm, index = _normalise(text)
    spans = _extend_order_tokens(norm, _find_numbers(norm))
    spans += _find_orders(norm)
    spans += [(m.start(), m.end(), "email") for m in _EMAIL.finditer(norm)]
    spans += _find_addresses(norm)
    spans += _find_names(norm)
    spans += _find_known(norm, known)
    if not spans:
        return []
    if index is not None:
        spans = [(index[s], index[e - 1] + 1, k) for s, e, k in spans]

    # Merge overlapping spans; the longest part names the merged finding.
    spans.sort()
    merged: list[list[tuple[int, int, str]]] = []
    end = -1
    for span in spans:
        if merged and span[0] < end:
            merged[-1].append(span)
            end = max(end, span[1])
        else:
            merged.append([span])
            end = span[1]
    findings = []
    for group in merged:
        start = group[0][0]
        stop = max(s[1] for s in group)
        kind = min(group, key=lambda s: (s[0] - s[1], _PRIORITY.index(s[2])))[2]
        findings.append(Finding(kind, start, stop, text[start:stop]))
    return findings


def redact(text: str, *, known: Iterable[str] = ()) -> str:
    """`text` with every finding replaced by its placeholder ([手机号已隐藏] …)."""
    out: list[str] = []
    pos = 0
    for f in find_personal_data(text, known=known):
        out.append(text[pos : f.start])
        out.append(PLACEHOLDERS[f.kind])
        pos = f.end
    out.append(text[pos:])
    return "".join(out)
