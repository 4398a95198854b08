from django.contrib import admin
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import include, path

from beds import views as beds_views

urlpatterns = [
    path("", beds_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("beds.api.urls")),
    path("healthz", beds_views.healthz, name="healthz"),
    path("fhir/", include("beds.api.fhir_urls")),
    path("", include("beds.urls")),
    path("", include("maps.urls")),
    path("regions/", include("regions.urls")),
]

# Daphne does not serve static files: in DEBUG (`make run`) Django does; in production the
# reverse proxy serves STATIC_ROOT after `collectstatic`.
urlpatterns += staticfiles_urlpatterns()
