from django.urls import path

from . import calendar_views, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("staff/calendar", calendar_views.calendar_page, name="calendar"),
    path("staff/calendar/<str:day>/delete", calendar_views.calendar_delete, name="calendar_delete"),
]
