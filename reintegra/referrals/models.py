from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from reintegra.cases.choices import DataCategory
from reintegra.cases.models import CASE_TEXTS
from reintegra.lib.fields import EncryptedTextField, unread
from reintegra.lib.validators import CHOICE_ERRORS, TextLength, ValuesIn, validate_no_markup

from .choices import ACTIVE_REFERRAL_STATUSES, DeclineReason, ReferralReason, ReferralStatus, Urgency

# What a referral says in words (its reasons, an override's, its status's): only its own page shows them,
# so its lists leave them out, with its case's (`lib/fields.unread`).
REFERRAL_TEXTS = ("reason_text", "override_reason", "status_reason")
LISTED_UNREAD = (*unread(REFERRAL_TEXTS), *unread(CASE_TEXTS, "case__"))


class Referral(models.Model):
    """A case sent from one agency to another's service, sharing only the consented categories."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="referrals")
    from_agency = models.ForeignKey("network.Agency", on_delete=models.PROTECT, related_name="referrals_sent")
    to_agency = models.ForeignKey(
        "network.Agency", verbose_name=_("to agency"), on_delete=models.PROTECT, related_name="referrals_received"
    )
    service = models.ForeignKey(
        "network.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    reasons = models.JSONField(_("reasons"), default=list, blank=True, validators=[ValuesIn(ReferralReason)])
    reason_text = EncryptedTextField(
        _("reason, in words"), blank=True, validators=[TextLength(2000), validate_no_markup]
    )
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.ROUTINE, error_messages=CHOICE_ERRORS
    )
    categories = models.JSONField(_("data shared"), default=list, blank=True, validators=[ValuesIn(DataCategory)])
    consent = models.ForeignKey(
        "cases.Consent", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    override_reason = EncryptedTextField(
        _("reason for sending without consent"), blank=True, validators=[TextLength(1000), validate_no_markup]
    )
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.PENDING
    )
    status_reason = EncryptedTextField(_("reason"), blank=True, validators=[TextLength(1000), validate_no_markup])
    # A decline's main reason as a code, counted by the insights (issue 13); blank when not given.
    decline_reason = models.CharField(
        _("main reason for declining"),
        max_length=32,
        choices=DeclineReason.choices,
        blank=True,
        error_messages=CHOICE_ERRORS,
    )
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [
            # An agency's referrals by status, with the day each was sent, answered and completed: the
            # inbox (its counts by status, its median times), and the caseload dashboard's count and
            # oldest of those waiting, read from the index alone.
            models.Index(
                fields=["to_agency", "status", "sent_at", "responded_at", "completed_at"],
                name="referral_to_status_sent",
            ),
            models.Index(
                fields=["from_agency", "status", "sent_at", "responded_at", "completed_at"],
                name="referral_from_status_sent",
            ),
            # The network dashboard counts the referrals sent in a period from this index alone
            # (insights/network.sent): every column it groups by, after the day sent.
            models.Index(
                fields=[
                    "sent_at",
                    "from_agency",
                    "to_agency",
                    "status",
                    "decline_reason",
                    "responded_at",
                    "completed_at",
                    "case",
                ],
                name="referral_sent_figures",
            ),
            # Who sees a case through a referral (access/cases.py): an agency's active referrals by
            # case, with their consent and override, read from the index alone. A case list's part
            # of the cases referred to the agency is counted by merging it with the cases' keys, and
            # each case of a page is found in it by a probe (at a million, a provider's case list
            # read 113,000 referrals from the table to count them and to sort them for a page).
            models.Index(
                fields=["to_agency", "case"],
                include=["consent", "override_by"],
                condition=models.Q(status__in=ACTIVE_REFERRAL_STATUSES),
                name="referral_active_to",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.to_agency}"

    def gives_access(self) -> bool:
        """Accepted or in progress, under a consent not withdrawn (or a supervisor's recorded override):
        the rule by which the receiving agency sees the case (access/cases.py says it as a query)."""
        if self.status not in (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS):
            return False
        if self.consent_id is None:
            return self.override_by_id is not None
        return self.consent is not None and self.consent.withdrawn_at is None

    def clean(self) -> None:
        if not self.reasons and not self.reason_text.strip():
            raise ValidationError({"reasons": _("Give the reason for the referral.")})
