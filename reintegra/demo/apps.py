from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "reintegra.demo"
    verbose_name = "Demo data"
