import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand

from chengxin.core.scheduler import run_forever


class Command(BaseCommand):
    help = "Run the task worker (with the periodic sweep scheduler)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--no-scheduler", action="store_true", help="only run tasks; another process schedules sweeps")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        stop = threading.Event()
        if not options["no_scheduler"]:
            threading.Thread(target=run_forever, args=(stop,), daemon=True, name="scheduler").start()
        try:
            call_command("db_worker", interval=1.0, no_startup_delay=True)
        finally:
            stop.set()
