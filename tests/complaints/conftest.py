from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from chengxin.accounts import services as accounts
from chengxin.core.permissions import Role
from tests.factories import make_subject, make_user

from .pii import SEEDED, remember, remember_order

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def client(client: Any) -> Any:
    """Pages in English, so the tests can read the messages."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def shop(db: Any, admin_user: Any) -> Any:
    return make_subject(admin_user, name="杭州诚品电子商务有限公司")


@pytest.fixture
def merchant(shop: Any) -> Any:
    user = make_user(Role.MEMBER)
    accounts.grant_subject_access(actor=None, user=user, subject=shop)
    return user


@pytest.fixture
def complainant(db: Any) -> Any:
    """A consumer whose personal data is remembered: no public page may show it."""
    n = len(SEEDED) + 1
    user = make_user(Role.CONSUMER, display_name=f"欧阳{'一二三四五六七八九十'[n % 10]}娜", phone=f"139{n:08d}",
                     email=f"complainant{n}@mail.example")
    remember(user.display_name, user.phone, user.email)
    return user


def filing(shop: Any, **kw: Any) -> dict[str, Any]:
    data = {"subject": shop.pk, "category": "quality", "title": "耳机一只没有声音",
            "description": "收到的蓝牙耳机左耳没有声音，联系客服三天没有回复。", "remedies": ["refund"],
            "order_ref": kw.pop("order_ref", "DD2026030212345678"), "amount": "299.00", "consent": True, "public_consent": True}
    data.update(kw)
    remember_order(data["order_ref"])
    return data


@pytest.fixture
def file_one(shop: Any, complainant: Any, merchant: Any) -> Any:
    from chengxin.complaints import filing as complaint_filing

    def _file(**kw: Any) -> Any:
        c, _created = complaint_filing.file_complaint(actor=kw.pop("actor", complainant), data=filing(shop, **kw))
        return c
    return _file
