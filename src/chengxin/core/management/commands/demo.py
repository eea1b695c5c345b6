"""`chengxin demo`: load synthetic demo data (subjects, sites, demo accounts)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from chengxin.core.errors import ChengxinError
from chengxin.registry.models import Subject


class Command(BaseCommand):
    help = (
        "Load synthetic demo data: subjects with sites (some verified through a static, "
        "in-process DNS resolver) and demo accounts with fixed passwords. Refuses when the "
        "database already holds subjects, unless --force."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--subjects", type=int, default=2400, help="how many (default 2400)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument("--force", action="store_true",
                            help="load even though the database already has data")

    def handle(self, *args, **opts):  # type: ignore[no-untyped-def]
        from django.conf import settings

        from chengxin.demo.loader import demo_needed, load_demo

        if opts["subjects"] < 0:
            raise CommandError("--subjects must not be negative")
        if not demo_needed() and not opts["force"]:
            self.stdout.write(
                f"the database already has {Subject.objects.count()} subjects: no demo data "
                "loaded (use --force to add demo data anyway)"
            )
            return
        if settings.PRODUCTION:
            self.stderr.write("warning: loading demo data into a production installation")
        try:
            summary = load_demo(stdout=self.stdout, subjects=opts["subjects"], seed=opts["seed"])
        except ChengxinError as exc:
            raise CommandError(f"{exc.field or ''}: {exc.message}") from None
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None

        kinds = summary["by_kind"]
        self.stdout.write(
            f"{summary['subjects']} subjects ({kinds['organisation']} organisations, "
            f"{kinds['individual']} individual merchants, {kinds['platform']} platforms, "
            f"{kinds['community_manager']} community managers) in {summary['provinces']} "
            f"provinces, {summary['cities']} cities, {summary['industries']} industries; "
            f"{summary['sites']} sites, {summary['verified_sites']} verified, "
            f"{summary['failed_checks']} with a failed check; {summary['seconds']} s"
        )
        self.stdout.write("demo accounts:")
        for acc in summary["accounts"]:
            password = acc["password"] if acc["created"] else "(already existed, unchanged)"
            line = f"  {acc['username']:<10} {password:<20} {acc['role']}"
            if acc["subjects"]:
                line += " — acts for " + "、".join(acc["subjects"])
            self.stdout.write(line)
