from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "reintegra.feedback"
    verbose_name = _("Returnees' feedback")
