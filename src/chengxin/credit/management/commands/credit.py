"""`chengxin credit …`: recompute grades, check and activate scoring policies.

    chengxin credit recompute [--subject ID ...] [--as-of YYYY-MM-DD] [--jobs N]
    chengxin credit policy check FILE
    chengxin credit policy upload FILE --actor USERNAME
    chengxin credit policy preview VERSION --actor USERNAME
    chengxin credit policy activate VERSION --actor USERNAME
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chengxin.core.errors import ChengxinError
from chengxin.core.progress import ProgressBar, isatty
from chengxin.credit import grading, services
from chengxin.credit.models import Policy
from chengxin.credit.policy import parse


class Command(BaseCommand):
    help = "Credit grades: recompute them; check, upload, preview and activate scoring policies."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rc = sub.add_parser("recompute", help="recompute grades (all subjects, or the ones given)")
        rc.add_argument("--subject", type=int, action="append", help="only this subject (repeatable)")
        rc.add_argument("--as-of", help="compute as of this date (default: today)")
        rc.add_argument("--progress", choices=["auto", "always", "never"], default="auto")
        rc.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="worker processes for a full recomputation (default: one per CPU)")
        pol = sub.add_parser("policy", help="scoring policies")
        pol.add_argument("step", choices=["check", "upload", "preview", "activate"])
        pol.add_argument("target", help="a policy file (check, upload) or a version (preview, activate)")
        pol.add_argument("--actor", help="username of the administrator doing this (upload, preview, activate)")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            if opts["action"] == "recompute":
                self._recompute(opts)
            else:
                self._policy(opts)
        except ChengxinError as exc:
            raise CommandError(f"{exc.field + ': ' if exc.field else ''}{exc.message}") from None

    def _recompute(self, opts: dict[str, Any]) -> None:
        as_of = None
        if opts.get("as_of"):
            try:
                as_of = dt.date.fromisoformat(opts["as_of"])
            except ValueError:
                raise CommandError("--as-of: give a date as YYYY-MM-DD") from None
        show = opts["progress"] == "always" or (opts["progress"] == "auto" and isatty(self.stderr))
        bar = ProgressBar(self.stderr, {"grades": "grades"}) if show else None
        started = time.monotonic()
        if opts["jobs"] < 1:
            raise CommandError("--jobs: give 1 or more")
        result = grading.recompute(ids=opts.get("subject"), as_of=as_of, jobs=opts["jobs"],
                                    progress=(lambda done, total: bar("grades", done, total)) if bar else None)
        if bar:
            bar.close()
        self.stdout.write(self.style.SUCCESS(
            f"{result['subjects']} subjects graded under policy {result['policy']} as of {result['as_of']}; "
            f"{result['grade_changes']} grade changes; {time.monotonic() - started:.1f} s"))

    def _actor(self, opts: dict[str, Any]) -> Any:
        if not opts.get("actor"):
            raise CommandError("--actor: name the administrator doing this")
        user = get_user_model().objects.filter(username=opts["actor"]).first()
        if user is None:
            raise CommandError(f"--actor: no user {opts['actor']!r}")
        return user

    def _policy(self, opts: dict[str, Any]) -> None:
        step, target = opts["step"], opts["target"]
        if step in ("check", "upload"):
            path = Path(target)
            if not path.is_file():
                raise CommandError(f"{target}: no such file")
            text = path.read_text(encoding="utf-8")
            if step == "check":
                p = parse(text, kinds=services.kinds_info())
                self.stdout.write(self.style.SUCCESS(f"policy {p.version}: {len(p.factors)} factors, grades "
                                                     + ", ".join(g for g, _ in p.grades) + " — valid"))
                return
            draft = services.upload_policy(actor=self._actor(opts), text=text)
            self.stdout.write(self.style.SUCCESS(f"policy {draft.version} uploaded as a draft"))
            return
        row = Policy.objects.filter(version=target).first()
        if row is None:
            raise CommandError(f"no policy with version {target!r}")
        actor = self._actor(opts)
        if step == "preview":
            s = services.preview(actor=actor, row=row)
            self.stdout.write(f"against {s['against']} as of {s['as_of']}: {s['changed']} of {s['subjects']} subjects change grade")
            for m in s["moves"]:
                self.stdout.write(f"  {m['from'] or '-'} -> {m['to'] or '-'}: {m['count']}")
        else:
            services.activate(actor=actor, row=row)
            self.stdout.write(self.style.SUCCESS(f"policy {row.version} active; recomputing all grades"))
            result = grading.recompute()
            self.stdout.write(f"{result['subjects']} subjects graded")
