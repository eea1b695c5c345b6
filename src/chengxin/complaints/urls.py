from django.urls import path

from . import views

app_name = "complaints"
urlpatterns = [
    path("complaints/new", views.new, name="new"),
    path("complaints/<str:number>", views.public_detail, name="public_detail"),
    path("s/<int:subject_id>/complaints", views.public_list, name="public_list"),
    path("s/<int:subject_id>/complaints.csv", views.public_export, name="public_export"),
    path("me/complaints/", views.mine, name="mine"),
    path("me/complaints/<str:number>", views.detail, name="detail"),
    path("complaints/evidence/<int:pk>", views.evidence_file, name="evidence"),
    path("staff/complaints/", views.queue, name="queue"),
    path("staff/complaints/<str:number>", views.detail, name="staff_detail"),
    path("staff/complaint-flags/<int:pk>/decide", views.decide_flag, name="decide_flag"),
    path("staff/subjects/<int:subject_id>/response-promise", views.response_promise, name="response_promise"),
]
