"""Build steps that must happen before serving: compile translations
(.po -> .mo, with polib, so no gettext tools are needed) and collect static
files. Both are cheap when nothing changed."""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings


def compile_messages() -> int:
    compiled = 0
    for locale_dir in settings.LOCALE_PATHS:
        for po_path in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            compiled += 1
    return compiled


def collect_static() -> None:
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
