"""`chengxin import FILE`: bulk import of subjects from CSV or XLSX."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chengxin.core.errors import ChengxinError
from chengxin.core.progress import ProgressBar, isatty
from chengxin.registry import importer

PHASES = {"check": "checking ", "import": "importing"}


class Command(BaseCommand):
    help = (
        "Import subjects from a CSV (UTF-8 or GBK) or XLSX file. Every row is checked first; "
        "problems are reported per spreadsheet row."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .csv or .xlsx file")
        parser.add_argument(
            "--mode", choices=importer.MODES, default=importer.ALL_OR_NOTHING,
            help="all-or-nothing (default): write nothing if any row is invalid; "
                 "skip-invalid: import the valid rows and report the others",
        )
        parser.add_argument("--dry-run", action="store_true", help="only check the file")
        parser.add_argument("--actor", help="username the import is recorded under (default: system)")
        parser.add_argument("--reason", default="", help="reason recorded in the audit trail")
        parser.add_argument(
            "--progress", choices=["auto", "always", "never"], default="auto",
            help="progress bar on stderr (auto: when stderr is a terminal and the file is long)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        path = opts["file"]
        actor = None
        if opts.get("actor"):
            actor = get_user_model().objects.filter(username=opts["actor"]).first()
            if actor is None:
                raise CommandError(f"no user named {opts['actor']!r}")
        try:
            size = os.path.getsize(path)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
        limit = settings.CHENGXIN_IMPORT_MAX_BYTES
        with open(path, "rb") as fh:
            data = fh.read(limit + 1) if size > limit else fh.read()

        bar = None
        progress = opts.get("progress", "auto")
        if progress == "always" or (progress == "auto" and isatty(self.stderr) and size > 64 * 1024):
            bar = ProgressBar(self.stderr, PHASES)
        try:
            result = importer.import_file(
                actor=actor, filename=os.path.basename(path), data=data, mode=opts["mode"],
                dry_run=opts["dry_run"], reason=opts["reason"], progress=bar,
            )
        except ChengxinError as exc:
            raise CommandError(str(exc.message)) from None
        finally:
            if bar:
                bar.close()

        for e in result.errors:
            field = e["field"] or "-"
            self.stdout.write(f"row {e['row']}: {field}: {e['message']} [{e['code']}]")
        if result.created_ids and opts["verbosity"] >= 2:
            self.stdout.write("created: " + " ".join(str(i) for i in result.created_ids))
        summary = result.summary()
        if result.errors and result.mode == importer.ALL_OR_NOTHING:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary) if not result.errors else summary)
