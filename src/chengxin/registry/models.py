from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from chengxin.core.labels import BilingualLabel


class Region(BilingualLabel, models.Model):  # noqa: DJ008 - __str__ from BilingualLabel
    """Provinces and prefecture-level cities (GB/T 2260)."""

    code = models.CharField(max_length=6, primary_key=True)
    name = models.CharField(max_length=50)
    name_en = models.CharField(max_length=100, blank=True)
    level = models.CharField(max_length=10, choices=[("province", "province"), ("city", "city")])
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]


class Industry(BilingualLabel, models.Model):  # noqa: DJ008 - __str__ from BilingualLabel
    code = models.CharField(max_length=10, primary_key=True)
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "industries"

    def with_subdivisions(self) -> tuple[str, ...]:
        """This industry's code and the codes under it (GB/T 4754: F52
        includes F521 and F5292): what filtering by an industry means."""
        return tuple(Industry.objects.filter(code__startswith=self.code).values_list("code", flat=True))


class SubjectKind(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation")
    INDIVIDUAL = "individual", _("Individual merchant")
    PLATFORM = "platform", _("Platform")
    COMMUNITY_MANAGER = "community_manager", _("Community manager")


NATURAL_PERSON_KINDS = frozenset({SubjectKind.INDIVIDUAL, SubjectKind.COMMUNITY_MANAGER})


class SubjectStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DEPARTED = "departed", _("Departed")


class Subject(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=SubjectKind.choices)
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, null=True, blank=True, unique=True
    )
    # Resident identity number of a natural person: encrypted, with a keyed
    # hash for look-ups and a masked form for display.
    id_number_enc = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_masked = models.CharField(max_length=18, blank=True, editable=False)
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    province = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    city = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("city"),
    )
    industry = models.ForeignKey(
        Industry, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("industry")
    )
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SubjectStatus.choices, default=SubjectStatus.ACTIVE
    )
    departed_at = models.DateTimeField(null=True, blank=True)
    retain_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # name key, code and domains in one column for substring search
    search_text = models.TextField(blank=True, editable=False)
    # bigram tokens of search_text (normalize.search_grams), for the search index:
    # an FTS5 table kept in step by triggers on SQLite, a GIN-indexed tsvector
    # column on PostgreSQL (migration 0003). Both are set by
    # services.refresh_search_text only.
    search_grams = models.TextField(blank=True, default="", editable=False)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["province", "city"]),
            models.Index(fields=["industry"]),
            # search sorts matching ids by name without reading whole rows
            models.Index(fields=["id", "name_key"], name="registry_subject_id_name_key"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_natural_person(self) -> bool:
        return self.kind in NATURAL_PERSON_KINDS


class SiteKind(models.TextChoices):
    DOMAIN = "domain", _("Website (domain)")
    SHOP = "shop", _("Shop on a platform")


class VerificationMethod(models.TextChoices):
    DNS = "dns", _("DNS TXT record")
    HTTP = "http", _("File at a well-known URL")
    PAGE = "page", _("Token on the shop page")


class Site(models.Model):
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="sites")
    kind = models.CharField(_("kind"), max_length=10, choices=SiteKind.choices)
    domain = models.CharField(_("domain"), max_length=253, db_index=True)
    url = models.URLField(_("shop URL"), max_length=500, blank=True)
    platform = models.CharField(_("platform"), max_length=100, blank=True)
    name = models.CharField(_("site or shop name"), max_length=200, blank=True)
    token = models.CharField(max_length=64, editable=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_method = models.CharField(
        max_length=10, choices=VerificationMethod.choices, blank=True
    )
    verified_until = models.DateTimeField(null=True, blank=True)
    last_check_at = models.DateTimeField(null=True, blank=True)
    last_check_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url or self.domain

    def is_verified(self, at: object = None) -> bool:
        from chengxin.core import clock

        now = at or clock.now()
        return bool(self.verified_until and self.verified_until > now)  # type: ignore[operator]

    @property
    def txt_name(self) -> str:
        return f"_chengxin.{self.domain}"

    @property
    def well_known_path(self) -> str:
        return f"/.well-known/chengxin/{self.token}"


class SiteCheck(models.Model):
    """Every ownership check, successful or not: when and how it was proven."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="checks")
    method = models.CharField(max_length=10, choices=VerificationMethod.choices)
    at = models.DateTimeField()
    success = models.BooleanField()
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.site_id} {self.method} {'ok' if self.success else 'fail'}"
