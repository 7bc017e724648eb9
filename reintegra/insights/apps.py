from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "reintegra.insights"
    verbose_name = "Insights"
