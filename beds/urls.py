from django.urls import path

from beds import views

app_name = "beds"

urlpatterns = [
    path("beds/", views.staff_units, name="staff-units"),
]
