"""Identity numbers: the unified social credit code (GB 32100-2015) and the
resident identity number (GB 11643-1999).

Each validator returns the normalised value or raises `CodeError` whose
message says which character is wrong and, for a check character, what it
should be. Input is NFKC-normalised first, so full-width characters (as typed
with a Chinese input method) are accepted.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.utils.translation import gettext as _

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# Registration authority (position 1) -> allowed organisation categories
# (position 2), per GB 32100-2015 and the registration departments assigned
# since (外交, 司法行政, 文化, 旅游, 宗教, 工会, 中央军委编办, 农业).
USCC_CATEGORIES: dict[str, str] = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 群众团体, 其他
    "2": "19",  # 外交
    "3": "123459",  # 司法行政: 律所, 公证处, 基层法律服务所, 司法鉴定, 仲裁委, 其他
    "4": "19",  # 文化
    "5": "1239",  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 工商: 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业: 组级, 村级, 乡镇级集体经济组织, 其他
    "Y": "123456789",  # 其他
}

# First two digits of an administrative division code (GB/T 2260); "10" is
# used for registrations at national level.
PROVINCE_PREFIXES = frozenset(
    "10 11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)
ID_PROVINCE_PREFIXES = (PROVINCE_PREFIXES - {"10"}) | {"83"}  # 83: 台湾居民居住证

ID_WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))
ID_CHECK = "10X98765432"


class CodeError(ValueError):
    def __init__(self, message: str, *, position: int | None = None, expected: str | None = None):
        super().__init__(message)
        self.message = message
        self.position = position
        self.expected = expected


def clean(value: str) -> str:
    """NFKC-normalise, drop spaces and hyphens, upper-case."""
    value = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"[\s\-]", "", value).upper()


def uscc_check_char(code17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(code17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    code = clean(value)
    if len(code) != 18:
        raise CodeError(
            _("A unified social credit code has 18 characters; this one has %(n)d.")
            % {"n": len(code)}
        )
    for i, c in enumerate(code, start=1):
        if c not in USCC_ALPHABET:
            raise CodeError(
                _("Character %(pos)d (“%(c)s”) is not allowed: a unified social credit code "
                  "uses digits and the capital letters A–Z except I, O, S, V and Z.")
                % {"pos": i, "c": c},
                position=i,
            )
    if code[0] not in USCC_CATEGORIES:
        raise CodeError(
            _("Character 1 (“%(c)s”) is not a registration authority code; it must be one of "
              "%(allowed)s.") % {"c": code[0], "allowed": " ".join(USCC_CATEGORIES)},
            position=1,
        )
    allowed = USCC_CATEGORIES[code[0]]
    if code[1] not in allowed:
        raise CodeError(
            _("Character 2 (“%(c)s”) is not an organisation category of registration "
              "authority %(a)s; it must be one of %(allowed)s.")
            % {"c": code[1], "a": code[0], "allowed": " ".join(allowed)},
            position=2,
        )
    for i in range(2, 8):
        if not code[i].isdigit():
            raise CodeError(
                _("Character %(pos)d (“%(c)s”) must be a digit: characters 3–8 are the "
                  "administrative division code.") % {"pos": i + 1, "c": code[i]},
                position=i + 1,
            )
    if code[2:4] not in PROVINCE_PREFIXES:
        raise CodeError(
            _("Characters 3–8 (“%(d)s”) are not an administrative division code.")
            % {"d": code[2:8]},
            position=3,
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise CodeError(
            _("The check character (character 18) is “%(got)s” but should be “%(want)s”; "
              "one of the characters may have been mistyped.")
            % {"got": code[17], "want": expected},
            position=18,
            expected=expected,
        )
    return code


def id_check_char(code17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(code17, ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str, *, today: dt.date | None = None) -> str:
    code = clean(value)
    if len(code) == 15 and code.isdigit():
        raise CodeError(
            _("15-digit first-generation identity numbers are no longer valid; "
              "enter the 18-character number.")
        )
    if len(code) != 18:
        raise CodeError(
            _("A resident identity number has 18 characters; this one has %(n)d.")
            % {"n": len(code)}
        )
    for i, c in enumerate(code[:17], start=1):
        if not c.isdigit():
            raise CodeError(
                _("Character %(pos)d (“%(c)s”) must be a digit.") % {"pos": i, "c": c},
                position=i,
            )
    if not (code[17].isdigit() or code[17] == "X"):
        raise CodeError(
            _("Character 18 (“%(c)s”) must be a digit or X.") % {"c": code[17]}, position=18
        )
    if code[:2] not in ID_PROVINCE_PREFIXES:
        raise CodeError(
            _("Characters 1–6 (“%(d)s”) are not an address code.") % {"d": code[:6]},
            position=1,
        )
    try:
        born = dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        raise CodeError(
            _("Characters 7–14 (“%(d)s”) are not a valid date of birth.") % {"d": code[6:14]},
            position=7,
        ) from None
    today = today or dt.date.today()
    if born.year < 1900 or born > today:
        raise CodeError(
            _("Characters 7–14 (“%(d)s”) are not a possible date of birth.") % {"d": code[6:14]},
            position=7,
        )
    expected = id_check_char(code[:17])
    if code[17] != expected:
        raise CodeError(
            _("The check character (character 18) is “%(got)s” but should be “%(want)s”; "
              "one of the digits may have been mistyped.")
            % {"got": code[17], "want": expected},
            position=18,
            expected=expected,
        )
    return code
