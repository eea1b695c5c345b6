from django.urls import path

from . import views_rankings as views

app_name = "rankings"
urlpatterns = [
    path("rankings/", views.live, name="live"),
    path("rankings/editions/", views.editions, name="editions"),
    path("rankings/editions/new", views.publish, name="publish"),
    path("rankings/editions/<int:pk>/", views.edition, name="edition"),
]
