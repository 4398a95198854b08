from django.urls import path

from maps import views

app_name = "maps"

urlpatterns = [
    path("maps/", views.national, name="national"),
    path("maps/regions/<str:code>/", views.regional, name="regional"),
    path("dispatch/", views.dispatch, name="dispatch"),
]
