"""The platform's Ed25519 signing keys, the JWKS that publishes them, and
compact JWS signing (VC-JOSE-COSE: `typ` `vc+jwt`, `alg` `Ed25519`, RFC 9864)."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from joserfc import jws
from joserfc.jwk import OKPKey

from chengxin.core import clock, pii
from chengxin.ledger import services as audit

from .models import SigningKey

ALG = "Ed25519"
ALLOWED_ALGS = (ALG,)  # the fixed allow-list used when verifying
_CONTEXT = "certs.signing_key"
_registry = jws.JWSRegistry(algorithms=list(ALLOWED_ALGS))
_private_cache: dict[str, OKPKey] = {}


def _new_kid() -> str:
    import secrets

    return f"cx-{clock.now():%Y%m%d}-{secrets.token_hex(4)}"


def _create(actor: Any, reason: str) -> SigningKey:
    key = OKPKey.generate_key("Ed25519", private=True)
    kid = _new_kid()
    public = key.as_dict(private=False)
    public.update({"kid": kid, "alg": ALG, "use": "sig"})
    record = SigningKey.objects.create(
        kid=kid, alg=ALG, public_jwk=public, created_at=clock.now(),
        private_enc=pii.encrypt(json.dumps(key.as_dict(private=True)), context=_CONTEXT),
    )
    audit.record(actor=actor, action="certs.key_create", obj=record, after={"kid": kid, "public_jwk": public}, reason=reason)
    return record


def _signing() -> SigningKey | None:
    return SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at").first()


def current_key() -> SigningKey:
    """The key that signs now; the first is made on first use (a write
    transaction only then)."""
    key = _signing()
    if key is None:
        with transaction.atomic():
            key = _signing() or _create(None, "first signing key")
    return key


@transaction.atomic
def rotate(*, actor: Any = None, reason: str = "key rotation") -> SigningKey:
    """Make a new signing key. The old ones stop signing but stay published,
    so certificates they signed keep verifying."""
    now = clock.now()
    old = list(SigningKey.objects.select_for_update().filter(retired_at__isnull=True))
    for key in old:
        key.retired_at = now
        key.save(update_fields=["retired_at"])
        audit.record(actor=actor, action="certs.key_retire", obj=key, before={"retired_at": None}, after={"retired_at": now}, reason=reason)
    return _create(actor, reason)


def jwks() -> dict[str, Any]:
    return {"keys": [k.public_jwk for k in SigningKey.objects.order_by("created_at")]}


def _private(key: SigningKey) -> OKPKey:
    cached = _private_cache.get(key.kid)
    if cached is None:
        cached = OKPKey.import_key(json.loads(pii.decrypt(key.private_enc, context=_CONTEXT)))
        _private_cache[key.kid] = cached
    return cached


def sign(payload: dict[str, Any], key: SigningKey | None = None) -> str:
    """A compact JWS over the JSON `payload` (the credential itself, as
    VC-JOSE-COSE secures it)."""
    key = key or current_key()
    header = {"alg": ALG, "kid": key.kid, "typ": "vc+jwt", "cty": "vc"}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    return jws.serialize_compact(header, body, _private(key), registry=_registry)
