from django.urls import path

from realtime import consumers

websocket_urlpatterns = [
    path("ws/regions/<str:code>/", consumers.RegionConsumer.as_asgi()),
    path("ws/national/", consumers.NationalConsumer.as_asgi()),
]
