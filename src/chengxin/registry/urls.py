from django.urls import path

from . import views, views_io

app_name = "registry"
urlpatterns = [
    path("search", views.search, name="search"),
    path("s/<int:subject_id>", views.integrity_file, name="file"),
    path("staff/subjects/", views.staff_subjects, name="staff_subjects"),
    path("staff/subjects/new", views.subject_create, name="subject_create"),
    path("staff/subjects/import", views_io.import_view, name="import"),
    path("staff/subjects/export.csv", views_io.export_csv, name="export"),
    path("staff/subjects/<int:subject_id>", views.staff_subject, name="staff_subject"),
    path("staff/subjects/<int:subject_id>/edit", views.subject_edit, name="subject_edit"),
    path("staff/subjects/<int:subject_id>/reveal", views.reveal_id_number, name="reveal"),
    path("subjects/<int:subject_id>/sites", views.site_add, name="site_add"),
    path("sites/<int:site_id>/verify", views.site_verify, name="site_verify"),
    path("me/subjects", views.console, name="console"),
]
