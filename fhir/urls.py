"""FHIR REST endpoints at /fhir/ (outside /api/v1: FHIR clients expect `[base]/Location/{id}`).
Anything else under /fhir/ is a 404 OperationOutcome, not an HTML page."""

from django.urls import path, re_path

from fhir import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.MetadataView.as_view(), name="metadata"),
    path("$export", views.ExportView.as_view(), name="export"),
    path("Location", views.LocationTypeView.as_view(), name="location-type"),
    path("Location/<str:location_id>", views.LocationView.as_view(), name="location"),
    path("HealthcareService", views.HealthcareServiceTypeView.as_view(), name="service-type"),
    path(
        "HealthcareService/<str:resource_id>",
        views.HealthcareServiceView.as_view(),
        name="service",
    ),
    path("Organization", views.OrganizationTypeView.as_view(), name="organization-type"),
    path("Organization/<str:resource_id>", views.OrganizationView.as_view(), name="organization"),
    path("CodeSystem/<str:code_system_id>", views.CodeSystemView.as_view(), name="code-system"),
    re_path(r"^(?P<path>.*)$", views.not_found, name="not-found"),
]
