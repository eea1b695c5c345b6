from django.contrib import admin

from .models import ApplicantType, MembershipLevel


@admin.register(ApplicantType)
class ApplicantTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "position", "active")


@admin.register(MembershipLevel)
class MembershipLevelAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "annual_fee", "position", "active")
