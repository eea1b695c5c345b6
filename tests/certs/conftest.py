from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest
from jwcrypto import jwk, jws

from chengxin.membership import services as membership

from ..membership.conftest import MONDAY, applicant, fill, submitted, verified_site  # noqa: F401


@pytest.fixture
def active(frozen_clock: Any, submitted: Any,  # noqa: F811
            reviewer: Any, admin_user: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """An active membership (fee paid) and the certificate it was issued."""
    frozen_clock.set(MONDAY)
    with django_capture_on_commit_callbacks(execute=True):
        app = membership.approve(actor=reviewer, app=submitted, reason="complete")
        membership.record_payment(actor=admin_user, app=app, amount="3000", method="bank", reference="TX-1")
    app.refresh_from_db()
    cert = app.certificates.get()
    return app, cert


def independent_verify(token: str, jwks_json: dict[str, Any]) -> dict[str, Any]:
    """Verify with jwcrypto (not our code) against the published JWKS, with
    the algorithm allow-list fixed to Ed25519. Returns the payload."""
    keyset = jwk.JWKSet.from_json(json.dumps(jwks_json))
    obj = jws.JWS()
    obj.deserialize(token)
    kid = obj.jose_header["kid"]
    obj.allowed_algs = ["Ed25519"]
    obj.verify(keyset.get_key(kid))
    assert obj.jose_header["alg"] == "Ed25519" and obj.jose_header["typ"] == "vc+jwt"
    return json.loads(obj.payload)


def decode_bits(encoded: str) -> bytes:
    """The W3C encoding done by hand: multibase 'u' + base64url(gzip(bits))."""
    assert encoded[0] == "u"
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit(bits: bytes, index: int) -> int:
    return (bits[index // 8] >> (7 - index % 8)) & 1


@pytest.fixture(autouse=True)
def _english_messages() -> Any:
    """These tests read the English wording of messages; pages keep their default."""
    from django.utils import translation

    with translation.override("en"):
        yield
