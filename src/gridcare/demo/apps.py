from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "gridcare.demo"
    label = "demo"
