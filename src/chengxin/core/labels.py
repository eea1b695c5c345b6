"""Bilingual labels for master data (regions, industries, applicant types)."""

from __future__ import annotations

from django.utils.translation import get_language


class BilingualLabel:
    """Mix into a model with `name` (Chinese) and `name_en` fields."""

    name: str
    name_en: str

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name
