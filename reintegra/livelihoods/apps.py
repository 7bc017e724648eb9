from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LivelihoodsConfig(AppConfig):
    name = "reintegra.livelihoods"
    verbose_name = _("Livelihoods")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from reintegra.referrals.reactions import referral_ending

        from .handover import on_referral_ending
        from .models import Enrolment, IncomeFollowUp, LabourMarketDemand
        from .prediction import forget_on_change

        # Ending a referral asks for a confirmation while an enrolment still needs the provider, and
        # keeps those enrolments for it after completion (decisions/0018), in the same transaction.
        referral_ending.connect(on_referral_ending)
        # The success predictor is kept in the shared cache; what it learns from drops it (prediction.py).
        for model in (Enrolment, IncomeFollowUp, LabourMarketDemand):
            post_save.connect(forget_on_change, sender=model, dispatch_uid=f"predictor-save-{model.__name__}")
            post_delete.connect(forget_on_change, sender=model, dispatch_uid=f"predictor-delete-{model.__name__}")
