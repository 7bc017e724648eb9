"""Referral vocabularies: why a case is referred, how urgently, and where the referral stands."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from reintegra.lib import labels


class ReferralReason(models.TextChoices):  # HTCDS cas_ReasonForOutgoingReferral, and finer reasons
    ADDITIONAL_SERVICES = "AdditionalServicesRequired", _("Additional services required")
    MIGRATION = "MigrationOrChangeOfLocation", _("Migration or change of location")
    OTHER = "Other", _("Other")


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    PRIORITY = "priority", _("Priority (within a week)")
    URGENT = "urgent", _("Urgent (within 24 hours)")


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    REVOKED = "revoked", _("Revoked")


ACTIVE_REFERRAL_STATUSES = (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS)
OPEN_REFERRAL_STATUSES = (ReferralStatus.PENDING, *ACTIVE_REFERRAL_STATUSES)


# Names under which timeline lines and the `labels` filter find these vocabularies.
labels.register(
    urgency=Urgency,
    referral_status=ReferralStatus,
    reason=ReferralReason,
)
