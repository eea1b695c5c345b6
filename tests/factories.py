"""Small factory functions shared by the tests of every domain."""

from __future__ import annotations

import itertools
import random
from typing import Any

from chengxin.accounts import services as accounts
from chengxin.core.permissions import Role
from chengxin.registry import services as registry
from chengxin.registry.validators import USCC_ALPHABET, id_check_char, uscc_check_char

_counter = itertools.count(1)
PASSWORD = "Correct-Horse-77"


def make_uscc(n: int | None = None, *, authority: str = "9", category: str = "1", division: str = "110105") -> str:
    n = next(_counter) if n is None else n
    rng = random.Random(n)
    org = "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    body = authority + category + division + org
    return body + uscc_check_char(body)


def make_id_number(n: int | None = None, *, region: str = "110101", born: str = "19900307") -> str:
    n = next(_counter) if n is None else n
    body = region + born + f"{n % 1000:03d}"
    return body + id_check_char(body)


def make_user(role: Role | str = Role.CONSUMER, username: str | None = None, **kw: Any) -> Any:
    username = username or f"{Role(role).value}{next(_counter)}"
    return accounts.create_user(actor=None, username=username, password=PASSWORD, role=role,
                                email=kw.pop("email", f"{username}@example.org"), validate=False, **kw)


def make_subject(actor: Any = None, **overrides: Any) -> Any:
    data: dict[str, Any] = {
        "kind": "organisation",
        "name": f"北京测试科技有限公司{next(_counter)}",
        "uscc": make_uscc(),
        "legal_representative": "王小明",
        "address": "北京市朝阳区建国路1号",
        "province": "110000",
        "city": "110100",
        "industry": "F5292",
        "contact_name": "李娜",
        "contact_phone": "13800138000",
        "contact_email": "contact@example.com",
    }
    data.update(overrides)
    return registry.create_subject(actor=actor, data=data, reason="test")
