"""The seal: an SVG image (red or blue, the member's name, valid until, the
certificate number and where to check it). A copied image proves nothing:
it names the verification address, and the verification page checks where
the visitor came from."""

from __future__ import annotations

from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from django.conf import settings

from .models import Certificate, CertStatus

GREY = "#7a7a7a"
STATUS_TEXT: dict[str, tuple[str, str]] = {
    CertStatus.SUSPENDED: ("已暂停", "SUSPENDED"),
    CertStatus.REVOKED: ("已撤销", "REVOKED"),
    CertStatus.EXPIRED: ("已过期", "EXPIRED"),
}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def seal_path(number: str) -> str:
    return f"seal/{number}.svg"


def seal_url(number: str) -> str:
    return f"{settings.CHENGXIN_BASE_URL.rstrip('/')}/pub/{seal_path(number)}"


def verify_url(number: str) -> str:
    return f"{settings.CHENGXIN_BASE_URL.rstrip('/')}/v/{number}"


def render(cert: Certificate) -> str:
    status = cert.status
    if status == CertStatus.SUPERSEDED:  # a renewed certificate: the old seal still shows the member as certified
        status = CertStatus.ACTIVE
    color = cert.level.color if status == CertStatus.ACTIVE else GREY
    name = escape(_clip(cert.claims.get("credentialSubject", {}).get("name", ""), 16))
    host = urlsplit(settings.CHENGXIN_BASE_URL).netloc
    until = cert.valid_until.date().isoformat()
    level = escape(cert.level.name)
    level_en = escape(cert.level.name_en or cert.level.code)
    banner = ""
    if status in STATUS_TEXT:
        zh, en = STATUS_TEXT[status]
        banner = (f'<g transform="rotate(-12 130 48)"><rect x="64" y="30" width="132" height="34" rx="4" fill="#fff" '
                  f'fill-opacity="0.85" stroke="#b00020" stroke-width="2"/><text x="130" y="53" text-anchor="middle" '
                  f'font-size="17" font-weight="700" fill="#b00020">{zh} {en}</text></g>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="260" height="96" viewBox="0 0 260 96" role="img" '
        f'aria-label="{level} {name} {until}">'
        f'<title>{level} · {name} · 有效期至 {until} · {escape(host)}/v/{cert.number}</title>'
        '<style>text{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif}</style>'
        f'<rect x="1" y="1" width="258" height="94" rx="10" fill="#fff" stroke="{color}" stroke-width="2"/>'
        f'<circle cx="44" cy="48" r="32" fill="{color}"/>'
        '<text x="44" y="58" text-anchor="middle" font-size="30" font-weight="700" fill="#fff">诚</text>'
        f'<text x="88" y="24" font-size="13" font-weight="700" fill="{color}">{level} · {level_en}</text>'
        f'<text x="88" y="44" font-size="14" fill="#222">{name}</text>'
        f'<text x="88" y="62" font-size="11" fill="#444">有效期至 Valid until {until}</text>'
        f'<text x="88" y="78" font-size="10" fill="#444">{escape(host)}/v/{cert.number}</text>'
        f'<text x="88" y="90" font-size="9" fill="#666">点击核验 · click to verify</text>'
        f'{banner}</svg>'
    )
