from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "reintegra.plans"
    verbose_name = _("Reintegration plans")

    def ready(self) -> None:
        from reintegra.cases.reactions import return_recorded

        from .services import assessments_schedule

        # The sustainability assessments hang on the return date: baseline, 3, 6 and 12 months after.
        return_recorded.connect(assessments_schedule)
