from django.urls import path

from beds import views

app_name = "beds"

urlpatterns = [
    path("beds/", views.staff_units, name="staff-units"),
    path("beds/units/<int:unit_id>/report/", views.unit_report, name="unit-report"),
]
