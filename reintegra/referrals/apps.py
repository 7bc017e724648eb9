from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "reintegra.referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        from reintegra.cases.reactions import consent_withdrawn

        from .services import referrals_revoke_for_consent

        # Withdrawn consent ends every referral that rested on it, in the same transaction.
        consent_withdrawn.connect(referrals_revoke_for_consent)
