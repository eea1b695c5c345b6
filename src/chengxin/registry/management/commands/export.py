"""`chengxin export`: the subject list as CSV (identity numbers masked)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chengxin.core.errors import ChengxinError
from chengxin.registry import exporter
from chengxin.registry.models import Industry, Region


class Command(BaseCommand):
    help = (
        "Export subjects as CSV (UTF-8 with BOM, the import columns; identity numbers only "
        "masked). Writes to standard output unless -o is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")
        parser.add_argument("--q", default="", help="name, code or domain contains")
        parser.add_argument("--province", default="", help="province code, e.g. 330000")
        parser.add_argument("--industry", default="", help="industry code, e.g. F5292")
        parser.add_argument("--reason", default="", help="reason recorded in the audit trail")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["province"] and not Region.objects.filter(code=opts["province"], level="province").exists():
            raise CommandError(f"unknown province code {opts['province']!r}")
        if opts["industry"] and not Industry.objects.filter(code=opts["industry"]).exists():
            raise CommandError(f"unknown industry code {opts['industry']!r}")
        try:
            lines = exporter.export_subjects(
                actor=None, q=opts["q"], province=opts["province"], industry=opts["industry"],
                reason=opts["reason"] or "CSV export (command line)",
            )
        except ChengxinError as exc:
            raise CommandError(str(exc.message)) from None
        if opts.get("output"):
            rows = 0
            with open(opts["output"], "w", encoding="utf-8", newline="") as fh:
                for line in lines:
                    fh.write(line)
                    rows += line.endswith("\n")
            self.stderr.write(f"{max(rows - 1, 0)} subjects written to {opts['output']}", style_func=str)
            return
        for line in lines:
            self.stdout.write(line, style_func=str, ending="")
        self.stdout.flush()
