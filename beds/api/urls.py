from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from beds.api import exports, places, views

app_name = "api"

urlpatterns = [
    path("hospitals/", views.HospitalListView.as_view(), name="hospital-list"),
    path("places/", places.PlaceListView.as_view(), name="place-list"),
    path("units/<int:unit_id>/", views.UnitDetailView.as_view(), name="unit-detail"),
    path("units/<int:unit_id>/reports/", views.UnitReportsView.as_view(), name="unit-reports"),
    path("regions/<str:code>/", views.RegionDetailView.as_view(), name="region-detail"),
    path("regions/<str:code>/summary/", views.RegionSummaryView.as_view(), name="region-summary"),
    path("regions/<str:code>/trend/", views.RegionTrendView.as_view(), name="region-trend"),
    path(
        "regions/<str:code>/threshold-changes/",
        views.RegionThresholdChangesView.as_view(),
        name="region-threshold-changes",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("exports/edxl-have.xml", exports.EdxlHaveExportView.as_view(), name="export-edxl"),
    path("exports/capacity.csv", exports.CapacityCsvExportView.as_view(), name="export-csv"),
]
