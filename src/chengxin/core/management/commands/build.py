from django.core.management.base import BaseCommand

from chengxin.core.build import collect_static, compile_messages


class Command(BaseCommand):
    help = "Compile translations and collect static files."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        n = compile_messages()
        collect_static()
        self.stdout.write(f"compiled {n} message catalogues; static files collected")
