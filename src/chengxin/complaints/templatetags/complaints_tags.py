from __future__ import annotations

from typing import Any

from django import template

from chengxin.complaints import reputation

register = template.Library()


@register.simple_tag
def complaint_figures(subject: Any) -> dict[str, Any]:
    return reputation.figures(subject)
