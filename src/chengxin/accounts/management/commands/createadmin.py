import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from chengxin.accounts import services
from chengxin.core.errors import ChengxinError
from chengxin.core.permissions import Role


class Command(BaseCommand):
    help = "Create an administrator account (password from --password, $CHENGXIN_ADMIN_PASSWORD or a prompt)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", default=None)

    def handle(self, *args, **opts):  # type: ignore[no-untyped-def]
        password = opts["password"] or os.environ.get("CHENGXIN_ADMIN_PASSWORD")
        if not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("the passwords differ")
        try:
            user = services.create_user(actor=None, username=opts["username"], password=password,
                                        role=Role.ADMIN, email=opts["email"])
        except ChengxinError as exc:
            raise CommandError(f"{exc.field or ''}: {exc.message}") from None
        self.stdout.write(f"administrator {user.username} created")
