"""The `chengxin` command. Every sub-command is a Django management command,
so `chengxin serve`, `chengxin demo`, `chengxin audit verify`,
`chengxin import`, `chengxin createadmin` and Django's own (`migrate`,
`shell`, ...) all work the same way."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chengxin.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["chengxin", *args])


if __name__ == "__main__":
    main()
