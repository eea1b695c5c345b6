"""Uploaded files: the type is decided by the content (magic bytes), and the
name must agree with it, so an executable named .jpg is refused."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .errors import ValidationFailed

ALLOWED_UPLOADS = {  # magic bytes -> (content type, extensions)
    b"%PDF-": ("application/pdf", (".pdf",)),
    b"\x89PNG\r\n\x1a\n": ("image/png", (".png",)),
    b"\xff\xd8\xff": ("image/jpeg", (".jpg", ".jpeg")),
}


def check_size(size: int, limit: int) -> None:
    if size > limit:
        raise ValidationFailed(_("The file is %(size)d KB; files may be at most %(limit)d KB.")
                               % {"size": size // 1024, "limit": limit // 1024}, field="file", code="file_too_big")


def check_upload(name: str, data: bytes, limit: int) -> str:
    """The content type of an acceptable upload, or ValidationFailed."""
    if not data:
        raise ValidationFailed(_("The file is empty."), field="file", code="empty_file")
    check_size(len(data), limit)
    for magic, (ctype, exts) in ALLOWED_UPLOADS.items():
        if data.startswith(magic):
            if not name.lower().endswith(exts):
                raise ValidationFailed(_("The file's name does not match its content (%(type)s).") % {"type": ctype},
                                       field="file", code="file_type_mismatch")
            return ctype
    raise ValidationFailed(_("Upload a PDF, PNG or JPEG file."), field="file", code="file_type")


def safe_name(name: str, default: str = "file") -> str:
    return "".join(c for c in name if c.isalnum() or c in "._-")[-100:] or default
