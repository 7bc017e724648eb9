from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "reintegra.exchange"
    verbose_name = "Data exchange"
