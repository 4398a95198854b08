from django.urls import path

from alerts import api

app_name = "alerts-api"

urlpatterns = [
    path("regions/<str:code>/alerts/", api.RegionAlertsView.as_view(), name="region-alerts"),
    path(
        "regions/<str:code>/alerts/<int:alert_id>/acknowledge/",
        api.AlertAcknowledgeView.as_view(),
        name="alert-acknowledge",
    ),
]
