from django.urls import path

from . import views

app_name = "credit"
urlpatterns = [
    path("s/<int:subject_id>/credit", views.subject_credit, name="subject"),
    path("staff/credit/subjects/<int:subject_id>/records/new", views.record_new, name="record_new"),
    path("staff/credit/records/<int:pk>", views.record, name="record"),
    path("credit/policy", views.policy, name="policy"),
    path("staff/credit/policy/upload", views.policy_upload, name="policy_upload"),
    path("staff/credit/policy/<int:pk>/preview", views.policy_preview, name="policy_preview"),
    path("staff/credit/policy/<int:pk>/activate", views.policy_activate, name="policy_activate"),
]
