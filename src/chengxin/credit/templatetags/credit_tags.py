from __future__ import annotations

from typing import Any

from django import template

from chengxin.credit.models import Grade

register = template.Library()


@register.simple_tag
def credit_grade(subject: Any) -> Grade | None:
    """The stored grade of a subject (None until the first computation)."""
    return Grade.objects.filter(subject=subject).first()
