from django.contrib import admin

from .models import CertificateLevel


@admin.register(CertificateLevel)
class CertificateLevelAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "color", "position", "default_on_issue")
