from django.urls import path

from . import views

app_name = "certs"
urlpatterns = [
    path("v/<str:number>.jwt", views.certificate_jwt, name="jwt"),
    path("v/<str:number>", views.verify_page, name="verify"),
    path(".well-known/jwks.json", views.jwks_view, name="jwks"),
    path("pub/<path:path>", views.public_file, name="public_file"),
    path("me/certificates/", views.my_certificates, name="mine"),
    path("staff/certificates/", views.staff_list, name="staff_list"),
    path("staff/certificates/misuse", views.misuse_list, name="misuse"),
    path("staff/certificates/misuse/<int:pk>", views.misuse_review, name="misuse_review"),
    path("staff/certificates/<str:number>", views.staff_certificate, name="staff_certificate"),
    path("staff/certificates/<str:number>/<slug:action>", views.staff_action, name="staff_action"),
]
