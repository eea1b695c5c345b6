from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "chengxin.credit"
    label = "credit"
    default_auto_field = "django.db.models.BigAutoField"
