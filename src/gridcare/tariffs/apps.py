from django.apps import AppConfig


class TariffsConfig(AppConfig):
    name = "gridcare.tariffs"
    label = "tariffs"
