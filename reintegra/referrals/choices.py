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


class DeclineReason(models.TextChoices):
    """Why the receiving agency said no, as a code the network's figures can count (the reason in
    words stays the agency's own, and is never counted)."""

    NO_CAPACITY = "no_capacity", _("No place or capacity at present")
    OUTSIDE_AREA = "outside_area", _("Outside the area the agency serves")
    NOT_ELIGIBLE = "not_eligible", _("Does not meet the service's criteria")
    NOT_OFFERED = "not_offered", _("The agency does not offer the service asked for")
    RETURNEE_DECLINED = "returnee_declined", _("The returnee did not want the service")
    UNREACHABLE = "unreachable", _("The returnee could not be reached")
    ALREADY_SERVED = "already_served", _("Already served by this or another agency")
    OTHER = "other", _("Another reason")


ACTIVE_REFERRAL_STATUSES = (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS)
OPEN_REFERRAL_STATUSES = (ReferralStatus.PENDING, *ACTIVE_REFERRAL_STATUSES)


# Names under which timeline lines and the `labels` filter find these vocabularies.
labels.register(
    urgency=Urgency,
    referral_status=ReferralStatus,
    reason=ReferralReason,
    decline_reason=DeclineReason,
)
