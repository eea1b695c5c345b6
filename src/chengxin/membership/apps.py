from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "chengxin.membership"
    label = "membership"
    default_auto_field = "django.db.models.BigAutoField"
