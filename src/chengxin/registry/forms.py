from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Industry, Region, SiteKind, SubjectKind, VerificationMethod


def province_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(r.code, r.label) for r in Region.objects.filter(level="province")]


def city_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [
        (r.code, f"{r.parent.label if r.parent else ''} · {r.label}")
        for r in Region.objects.filter(level="city").select_related("parent")
    ]


def industry_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(i.code, i.label) for i in Industry.objects.all()]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name, code or domain"), required=False, max_length=200)
    province = forms.ChoiceField(label=_("Province"), required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        # callables: read only when a value is validated or the <select>s are
        # rendered (search.html caches them), not for every search
        self.fields["province"].choices = province_choices  # type: ignore[attr-defined]  # a ChoiceField
        self.fields["industry"].choices = industry_choices  # type: ignore[attr-defined]


class SubjectForm(forms.Form):
    """Only shapes the input; all rules are in services.clean_subject_data."""

    kind = forms.ChoiceField(label=_("Kind"), choices=SubjectKind.choices)
    name = forms.CharField(label=_("Name"), max_length=500)
    uscc = forms.CharField(label=_("Unified social credit code"), required=False, max_length=100)
    id_number = forms.CharField(
        label=_("Resident identity number (natural persons)"), required=False, max_length=100,
        help_text=_("Stored encrypted; leave empty to keep the current one."),
    )
    legal_representative = forms.CharField(label=_("Legal representative"), required=False, max_length=500)
    address = forms.CharField(label=_("Address"), required=False, max_length=1000)
    province = forms.ChoiceField(label=_("Province"))
    city = forms.ChoiceField(label=_("City"), required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    contact_name = forms.CharField(label=_("Contact person"), required=False, max_length=500)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=100)
    contact_email = forms.CharField(label=_("Contact e-mail"), required=False, max_length=500)
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = province_choices()  # type: ignore[attr-defined]  # a ChoiceField
        self.fields["city"].choices = city_choices()  # type: ignore[attr-defined]  # a ChoiceField
        self.fields["industry"].choices = industry_choices()  # type: ignore[attr-defined]  # a ChoiceField


class SiteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SiteKind.choices)
    address = forms.CharField(label=_("Domain or shop address"), max_length=500)
    platform = forms.CharField(label=_("Platform (shops only)"), required=False, max_length=200)
    name = forms.CharField(label=_("Site or shop name"), required=False, max_length=300)


class VerifyForm(forms.Form):
    method = forms.ChoiceField(choices=VerificationMethod.choices)
