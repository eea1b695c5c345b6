from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "chengxin.web"
    label = "web"
