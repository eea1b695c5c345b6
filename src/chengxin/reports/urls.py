from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.report_page, name="report"),
    path("reports/export.csv", views.export_csv, name="export_csv"),
    path("reports/export.json", views.export_json, name="export_json"),
]
