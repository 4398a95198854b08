from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("alerts/link/", views.link_card, name="link-card"),
    path("alerts/link/<str:token>/", views.link_open, name="link-open"),
    path("regions/<str:code>/alerts/", views.region_alerts, name="region-alerts"),
    path(
        "regions/<str:code>/alerts/<int:alert_id>/acknowledge/",
        views.alert_acknowledge,
        name="alert-acknowledge",
    ),
]
