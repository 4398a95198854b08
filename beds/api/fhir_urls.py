"""FHIR REST endpoints at /fhir/ (outside /api/v1: FHIR clients expect `[base]/Location/{id}`)."""

from django.urls import path

from beds.api import fhir

app_name = "fhir"

urlpatterns = [
    path("Location/<str:location_id>", fhir.LocationView.as_view(), name="location"),
]
