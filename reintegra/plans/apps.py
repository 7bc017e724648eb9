from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "reintegra.plans"
    verbose_name = _("Reintegration plans")

    def ready(self) -> None:
        from reintegra.cases.reactions import closure_index, return_recorded

        from .lost_contact import last_sustainability_index
        from .services import assessments_schedule

        # The sustainability assessments hang on the return date: baseline, 3, 6 and 12 months after.
        return_recorded.connect(assessments_schedule)
        # A case closed as reintegrated keeps the index it reached (issue 16).
        closure_index.connect(last_sustainability_index)
