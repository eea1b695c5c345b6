"""`chengxin calendar`: the working-day calendar (holidays and make-up
working days) that working-day deadlines count."""

from __future__ import annotations

import argparse
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
)

from chengxin.core import calendar_entries, clock, workdays
from chengxin.core.errors import ChengxinError

HELP = """\
The working-day calendar that deadlines count ("within 2 working days").

  chengxin calendar status        which source covers this year and the next
                                  two: the holiday package, the staff table,
                                  or none (Monday-Friday only)
  chengxin calendar import FILE   add or replace staff entries from a CSV file

The chinesecalendar package knows the official holidays up to the last year
its release covers. For a later year, load the arrangement yourself as soon
as the State Council General Office publishes it (国务院办公厅关于20XX年部分
节假日安排的通知, usually in October-December, on www.gov.cn):

  1. Write a CSV file (UTF-8 or GBK) whose first row is  date,kind,name  and
     with one row per day: every day off of each holiday, including the
     weekends inside it, as kind "holiday", and every make-up working day
     (调休上班, usually a Saturday or Sunday) as kind "workday". Dates are
     YYYY-MM-DD. Example:
         date,kind,name
         2026-02-14,workday,Spring Festival
         2026-02-15,holiday,Spring Festival
  2. Check it:    chengxin calendar import FILE --dry-run
  3. Load it:     chengxin calendar import FILE --actor USERNAME --reason "..."
     (or upload the same file on the staff page /staff/calendar).
  4. Confirm:     chengxin calendar status

The import is all or nothing: any bad row (date, kind, the same date twice)
is reported with its row number and nothing is written. A date already in
the table is replaced. Staff entries also override the package for their
date, so they serve to correct it. Every change is recorded in the audit
trail. When a chinesecalendar release covers the year, upgrading the package
makes the staff entries for it redundant, but they still take precedence.
"""


class _Formatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    pass


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = _Formatter
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{status,import}")
        status = sub.add_parser("status", help="which source covers this year and the next two")
        status.add_argument(
            "--check", action="store_true",
            help="exit with status 1 if this year or the next has no holiday calendar",
        )
        imp = sub.add_parser("import", help="import a CSV file: date,kind,name (kind: holiday|workday)")
        imp.add_argument("file", help="a CSV file whose first row is date,kind,name")
        imp.add_argument("--dry-run", action="store_true", help="only check the file")
        imp.add_argument("--actor", help="username the change is recorded under (default: system)")
        imp.add_argument("--reason", default="", help="reason recorded in the audit trail")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "import":
            self._import(opts)
        else:
            self._status(opts)

    def _status(self, opts: dict[str, Any]) -> None:
        today = workdays.local_date(clock.now())
        span = workdays.package_years()
        covers = f"{span[0]}-{span[1]}" if span else "no years"
        self.stdout.write(f"holiday package: chinesecalendar {workdays.package_version()} ({covers})")
        for year in range(today.year, today.year + 3):
            status = workdays.year_status(year)
            if status.coverage == workdays.PACKAGE:
                line = "package"
                if status.staff_entries:
                    line += (f" with staff corrections ({status.staff_holidays} holidays, "
                             f"{status.staff_workdays} make-up working days)")
            elif status.coverage == workdays.STAFF:
                line = (f"staff table ({status.staff_holidays} holidays, "
                        f"{status.staff_workdays} make-up working days)")
            else:
                line = "none - weekends only (Monday-Friday counted as working days)"
                if status.staff_workdays:
                    line += f"; {status.staff_workdays} make-up working days but no holidays entered"
            self.stdout.write(f"{year}  {line}")
        warnings = workdays.coverage_warnings(today)
        for message in warnings:
            self.stderr.write(f"warning: {message}")
        if warnings and opts.get("check"):
            raise CommandError("no holiday calendar for this year or the next", returncode=1)

    def _import(self, opts: dict[str, Any]) -> None:
        path = opts["file"]
        actor = None
        if opts.get("actor"):
            actor = get_user_model().objects.filter(username=opts["actor"]).first()
            if actor is None:
                raise CommandError(f"no user named {opts['actor']!r}")
        if not os.path.isfile(path):
            raise CommandError(f"cannot read {path}: no such file")
        try:
            with open(path, "rb") as fh:
                report = calendar_entries.import_days(
                    actor, fh, reason=opts["reason"] or "calendar import (command line)",
                    dry_run=opts["dry_run"],
                )
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
        except ChengxinError as exc:
            for err in exc.errors:
                if err.get("row"):
                    self.stderr.write(f"row {err['row']}: {err.get('field') or '-'}: {err['message']} [{err['code']}]")
            raise CommandError(f"nothing imported: {exc.message}") from None
        self.stdout.write(self.style.SUCCESS(report.summary()))
        if report.years:
            self.stdout.write("years: " + ", ".join(str(y) for y in report.years)
                              + " (see: chengxin calendar status)")
