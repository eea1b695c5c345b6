"""`chengxin cert`: verify certificates, republish seals and status lists."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

HELP = """\
  chengxin cert verify SOURCE... [--domain HOST] [--jwks FILE|URL] [--status-list URL=FILE] [--json]
      SOURCE is a certificate file (.jwt), a URL (https://.../v/CX...  or its .jwt),
      or a certificate number issued here. Checks the signature (Ed25519 only,
      trusted keys only), the validity period, the status list bits (the status
      list's signature too) and, with --domain, the site. Says which check failed.
      Exit status 0 when every certificate is valid, 1 otherwise.
      Keys: --jwks (a file or URL); by default this installation's own keys.
  chengxin cert publish [--all]
      Rewrite seals and status lists whose files are behind their records
      (--all: every file).
"""


class Command(BaseCommand):
    help = "Verify certificates; republish seals and status lists.\n" + HELP

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        v = sub.add_parser("verify")
        v.add_argument("sources", nargs="+")
        v.add_argument("--domain", default="")
        v.add_argument("--jwks", default="")
        v.add_argument("--status-list", action="append", default=[], help="URL=FILE: use FILE for the status list at URL")
        v.add_argument("--json", action="store_true")
        p = sub.add_parser("publish")
        p.add_argument("--all", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "publish":
            from chengxin.certs.services import publish_pending

            done = publish_pending(force=opts["all"])
            self.stdout.write(f"status lists written: {done['status_lists']}, seals written: {done['seals']}")
            return
        ok = self.verify(opts)
        if not ok:
            sys.exit(1)

    def verify(self, opts: dict[str, Any]) -> bool:

        from chengxin.certs import keys, verify

        if opts["jwks"]:
            src = opts["jwks"]
            raw = verify.http_fetch(src) if src.startswith(("http://", "https://")) else Path(src).read_bytes()
            jwks = json.loads(raw)
        else:
            jwks = keys.jwks()
        overrides = {}
        for item in opts["status_list"]:
            url, _, path = item.partition("=")
            if not path:
                raise CommandError("--status-list takes URL=FILE")
            overrides[url] = Path(path).read_bytes()

        def fetch(url: str) -> bytes:
            return overrides[url] if url in overrides else verify.local_fetch(url)

        verifier = verify.Verifier(jwks, fetch=fetch)
        all_ok = True
        results = []
        for source in opts["sources"]:
            try:
                token = self.load(source)
            except (OSError, ValueError, verify.Invalid) as exc:
                results.append({"source": source, "valid": False, "failed_check": "source", "message": str(exc), "checks": []})
                all_ok = False
                continue
            report = verifier.verify(token, domain=opts["domain"])
            all_ok &= report.ok
            results.append({"source": source, **report.as_dict()})
        if opts["json"]:
            self.stdout.write(json.dumps(results if len(results) > 1 else results[0], ensure_ascii=False, indent=2))
        else:
            for r in results:
                self.stdout.write(f"{r['source']}: {'VALID' if r['valid'] else 'INVALID'} — {r['message']}")
                for c in r["checks"]:
                    self.stdout.write(f"  [{'ok' if c['ok'] else 'FAIL'}] {c['check']}: {c['message']}")
        return all_ok

    @staticmethod
    def load(source: str) -> str:
        from chengxin.certs import verify
        from chengxin.certs.services import NUMBER_RE

        if source.startswith(("http://", "https://")):
            url = source if source.endswith(".jwt") else source.split("?")[0].rstrip("/") + ".jwt"
            return verify.http_fetch(url).decode()
        if NUMBER_RE.fullmatch(source.upper()) and not Path(source).exists():
            from chengxin.certs.models import Certificate

            cert = Certificate.objects.filter(number=source.upper()).first()
            if cert is None:
                raise ValueError(f"no certificate {source.upper()} was issued here")
            return cert.token
        return Path(source).read_text(encoding="utf-8")
