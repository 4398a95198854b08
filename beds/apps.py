from django.apps import AppConfig


class BedsConfig(AppConfig):
    name = "beds"
    verbose_name = "Lits"
