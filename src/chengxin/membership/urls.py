from django.urls import path

from . import views

app_name = "membership"
urlpatterns = [
    path("members", views.members, name="members"),
    path("me/applications/", views.my_applications, name="mine"),
    path("me/applications/new", views.start, name="start"),
    path("me/applications/new-subject", views.new_subject, name="new_subject"),
    path("me/applications/<int:pk>", views.application, name="application"),
    path("applications/documents/<int:pk>", views.document, name="document"),
    path("staff/applications/", views.queue, name="queue"),
    path("staff/applications/<int:pk>", views.staff_application, name="staff_application"),
    path("staff/applications/<int:pk>/<slug:action>", views.staff_action, name="staff_action"),
]
