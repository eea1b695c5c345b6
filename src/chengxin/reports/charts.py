"""Charts as SVG, drawn on the server: no script, no external asset.

Each chart is an `<svg role="img">` with a `<title>` and a `<desc>` (named by
`aria-labelledby`), axis labels as text, and a `<title>` on every point or
bar so that its value shows on hover and reaches screen readers. The page
shows the same numbers in a table next to each chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import SafeString, mark_safe

# small enough that the text stays readable when a chart is scaled to a phone
WIDTH, HEIGHT = 480, 270
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 14, 54
MAX_X_LABELS = 6
PALETTE = ("#b3261e", "#1f5fa8", "#1b6e3a", "#8a5a00", "#6a3d9a", "#5f5b66")
FONT = 'font-family="system-ui, sans-serif" font-size="13"'


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | int | None]
    color: str = ""


def _num(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)


def _fmt(v: float | int | None, unit: str = "") -> str:
    if v is None:
        return "—"
    return f"{_num(v)}{unit}"


def nice_max(value: float, *, whole: bool = False) -> float:
    """A round upper bound for an axis of four equal steps (1, 1.5, 2, 2.5,
    3, 4, 5, 6 or 8 times a power of ten); with `whole`, steps of at least 1."""
    if value <= 0:
        return 4.0 if whole else 1.0
    rough = value / 4
    exp = 10.0 ** math.floor(math.log10(rough))
    step = next((m * exp for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if rough <= m * exp + 1e-12), 10 * exp)
    if whole:
        step = max(1.0, float(math.ceil(step)))
    return round(step * 4, 10)


def _open(chart_id: str, title: str, desc: str) -> list[str]:
    cid = escape(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{cid}-title {cid}-desc" id={quoteattr(chart_id)} {FONT}>',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>',
    ]


def _y_axis(top: float, unit: str) -> list[str]:
    out = []
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(5):
        v = top * i / 4
        y = HEIGHT - BOTTOM - plot_h * i / 4
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#ddd8e0"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#5f5b66">{escape(_fmt(round(v, 2), unit))}</text>')
    return out


def _legend(series: Sequence[Series]) -> list[str]:
    if len(series) < 2:
        return []
    out, x = [], LEFT
    for i, s in enumerate(series):
        color = s.color or PALETTE[i % len(PALETTE)]
        out.append(f'<rect x="{x}" y="{HEIGHT - 16}" width="10" height="10" fill="{escape(color)}"/>')
        out.append(f'<text x="{x + 14}" y="{HEIGHT - 7}" fill="#1c1b1f">{escape(s.name)}</text>')
        x += 24 + 8 * len(s.name) + (5 * sum(1 for ch in s.name if ord(ch) > 0x2E80))
    return out


def _x_labels(labels: Sequence[str], xs: Sequence[float]) -> list[str]:
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    out = []
    for i, (label, x) in enumerate(zip(labels, xs, strict=True)):
        if i % every == 0:
            out.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" fill="#5f5b66">{escape(label)}</text>')
    return out


def line_chart(chart_id: str, title: str, desc: str, labels: Sequence[str], series: Sequence[Series], *,
               y_max: float | None = None, unit: str = "", empty: str = "", whole: bool = False) -> SafeString:
    """Lines over `labels` (months); a None value leaves a gap. `whole`: counts."""
    values = [v for s in series for v in s.values if v is not None]
    top = y_max if y_max is not None else nice_max(max(values, default=0), whole=whole)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(labels)
    xs = [LEFT + (plot_w * (i + 0.5) / n) for i in range(n)] if n else []

    def y(v: float) -> float:
        return HEIGHT - BOTTOM - plot_h * (min(v, top) / top if top else 0)

    out = _open(chart_id, title, desc) + _y_axis(top, unit)
    for si, s in enumerate(series):
        color = escape(s.color or PALETTE[si % len(PALETTE)])
        segment: list[str] = []
        segments = []
        for i, v in enumerate(s.values):
            if v is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{xs[i]:.1f},{y(v):.1f}")
        if segment:
            segments.append(segment)
        for seg in segments:
            if len(seg) > 1:
                out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(seg)}"/>')
        for i, v in enumerate(s.values):
            if v is not None:
                out.append(f'<circle cx="{xs[i]:.1f}" cy="{y(v):.1f}" r="3.5" fill="{color}">'
                           f'<title>{escape(f"{labels[i]} · {s.name}: {_fmt(v, unit)}")}</title></circle>')
    out += _x_labels(labels, xs)
    if not values and empty:
        out.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="#5f5b66">{escape(empty)}</text>')
    out += _legend(series)
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped


def bar_chart(chart_id: str, title: str, desc: str, labels: Sequence[str], series: Sequence[Series], *,
              unit: str = "", empty: str = "") -> SafeString:
    """Bars per label, one per series side by side, the value above each."""
    values = [v for s in series for v in s.values if v is not None]
    top = nice_max(max(values, default=0), whole=all(isinstance(v, int) for v in values))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n, k = len(labels), max(1, len(series))
    slot = plot_w / n if n else plot_w
    bar = min(48.0, slot * 0.7 / k)
    xs = [LEFT + slot * (i + 0.5) for i in range(n)]
    out = _open(chart_id, title, desc) + _y_axis(top, unit)
    for si, s in enumerate(series):
        color = escape(s.color or PALETTE[si % len(PALETTE)])
        for i, v in enumerate(s.values):
            if v is None:
                continue
            h = plot_h * (v / top) if top else 0
            x = xs[i] - bar * k / 2 + bar * si
            yb = HEIGHT - BOTTOM - h
            out.append(f'<rect x="{x:.1f}" y="{yb:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{color}">'
                       f'<title>{escape(f"{labels[i]} · {s.name}: {_fmt(v, unit)}")}</title></rect>')
            if any(values):
                out.append(f'<text x="{x + bar / 2:.1f}" y="{yb - 4:.1f}" text-anchor="middle" fill="#1c1b1f">{escape(_fmt(v, unit))}</text>')
    out += _x_labels(labels, xs)
    if not any(values) and empty:
        out.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="#5f5b66">{escape(empty)}</text>')
    out += _legend(series)
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped
