from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "reintegra.referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        from reintegra.cases.reactions import case_closed, consent_withdrawn

        from .services import referrals_end_for_closure, referrals_revoke_for_consent

        # Withdrawn consent ends every referral that rested on it, in the same transaction.
        consent_withdrawn.connect(referrals_revoke_for_consent)
        # A closed case ends every referral still open on it (the agency's work is done).
        case_closed.connect(referrals_end_for_closure)
