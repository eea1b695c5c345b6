"""chengxin's URLs plus /bench/constant: the cheapest page Django can serve
through chengxin's whole middleware stack (the reference for /v/<number>)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from chengxin.core.permissions import EVERYONE, requires
from chengxin.urls import urlpatterns as chengxin_urlpatterns


@requires(EVERYONE)
def constant(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [*chengxin_urlpatterns, path("bench/constant", constant)]
