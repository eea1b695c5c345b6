"""`chengxin keys`: the platform's certificate signing keys."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = ("chengxin keys list | chengxin keys rotate [--reason TEXT]: list the Ed25519 signing keys, or make a new one. "
            "Old keys stop signing but stay in /.well-known/jwks.json, so certificates they signed keep verifying.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "rotate"])
        parser.add_argument("--reason", default="key rotation")

    def handle(self, *args: Any, **opts: Any) -> None:
        from chengxin.certs import keys
        from chengxin.certs.models import SigningKey

        if opts["action"] == "rotate":
            key = keys.rotate(actor=None, reason=opts["reason"])
            self.stdout.write(f"new signing key {key.kid}; older keys retired (still published)")
            return
        keys.current_key()
        for k in SigningKey.objects.order_by("created_at"):
            state = "signing" if k.retired_at is None else f"retired {k.retired_at:%Y-%m-%d %H:%M}"
            self.stdout.write(f"{k.kid}  {k.alg}  created {k.created_at:%Y-%m-%d %H:%M}  {state}")
