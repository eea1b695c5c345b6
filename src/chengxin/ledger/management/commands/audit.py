from django.core.management.base import BaseCommand

from chengxin.ledger.services import verify_chain


class Command(BaseCommand):
    help = "Audit trail tools. `chengxin audit verify` recomputes the hash chain."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **opts):  # type: ignore[no-untyped-def]
        result = verify_chain()
        if result.ok:
            self.stdout.write(f"audit chain OK: {result.checked} entries verified")
            return
        self.stderr.write(
            f"audit chain BROKEN at entry #{result.first_bad_seq}: {result.problem} "
            f"({result.checked} entries before it are intact)"
        )
        raise SystemExit(1)
