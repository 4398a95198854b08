from django.contrib import admin
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import include, path

from beds import views as beds_views
from config import views
from fhir import views as fhir_views

# A URL that matches no route under /api/ answers JSON, as the API's schema documents.
handler404 = "beds.api.errors.not_found"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # The FHIR export of docs/api.md, served by the FHIR app (beds does not import fhir).
    path(
        "api/v1/exports/fhir/Location",
        fhir_views.LocationExportView.as_view(),
        name="export-fhir",
    ),
    path("api/v1/", include("beds.api.urls")),
    path("api/v1/", include("alerts.api_urls")),
    path("healthz", beds_views.healthz, name="healthz"),
    path("fhir/", include("fhir.urls")),
    path("", include("beds.urls")),
    path("", include("maps.urls")),
    path("", include("alerts.urls")),
]

# Daphne does not serve static files: in DEBUG (`make run`) Django does; in production the
# reverse proxy serves STATIC_ROOT after `collectstatic`.
urlpatterns += staticfiles_urlpatterns()
