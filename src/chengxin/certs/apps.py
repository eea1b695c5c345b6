from django.apps import AppConfig


class CertsConfig(AppConfig):
    name = "chengxin.certs"
    label = "certs"
    default_auto_field = "django.db.models.BigAutoField"
