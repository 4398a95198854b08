from django.urls import path

from regions import views

app_name = "regions"

urlpatterns = [
    path("<str:code>/table/", views.region_table, name="table"),
]
