from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from chengxin.api import api
from chengxin.core.permissions import EVERYONE, requires

set_language_view = requires(EVERYONE)(set_language)

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language_view, name="set_language"),
    path("accounts/", include("chengxin.accounts.urls")),
    path("", include("chengxin.registry.urls")),
    path("", include("chengxin.membership.urls")),
    path("", include("chengxin.certs.urls")),
    path("", include("chengxin.complaints.urls")),
    path("", include("chengxin.reports.urls")),
    path("", include("chengxin.credit.urls")),
    path("", include("chengxin.credit.urls_rankings")),
    path("", include("chengxin.web.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:  # pragma: no cover
    pass
