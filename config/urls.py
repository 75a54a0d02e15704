from __future__ import annotations

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.views import healthz, not_found, server_error
from reporting.dashboard import dashboard

admin.site.site_header = _("Odd-job stations")
admin.site.site_title = _("Odd-job stations")
admin.site.index_title = _("Station work")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]
urlpatterns += i18n_patterns(
    # Before the admin's own URLs, which would take it for an app's.
    path(
        "admin/reporting/dashboard/",
        admin.site.admin_view(dashboard),
        name="reporting-dashboard",
    ),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

handler404 = not_found
handler500 = server_error
