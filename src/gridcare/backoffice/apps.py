from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "gridcare.backoffice"
    label = "backoffice"
