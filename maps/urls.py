from django.urls import path

from maps import views

app_name = "maps"

urlpatterns = [
    path("maps/", views.national, name="national"),
    path("maps/regions/<str:code>/", views.regional, name="regional"),
    path("regions/<str:code>/table/", views.region_table, name="region-table"),
    path("dispatch/", views.dispatch, name="dispatch"),
]
