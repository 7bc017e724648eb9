from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LivelihoodsConfig(AppConfig):
    name = "reintegra.livelihoods"
    verbose_name = _("Livelihoods")

    def ready(self) -> None:
        from reintegra.referrals.reactions import referral_ending

        from .handover import on_referral_ending

        # Ending a referral asks for a confirmation while an enrolment still needs the provider, and
        # keeps those enrolments for it after completion (decisions/0018), in the same transaction.
        referral_ending.connect(on_referral_ending)
