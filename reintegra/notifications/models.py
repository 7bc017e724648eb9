"""What tells a person that work waits for them or that their request was decided (issue 16).

A notice carries nothing of the returnee: only the case's code, the kind of event and the path of
the page where the action is (which needs sign-in). Its words are written when it is read, in the
reader's language, from its kind (`Kind`)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    REFERRAL_RECEIVED = "referral_received", _("Referral received")
    REFERRAL_ACCEPTED = "referral_accepted", _("Referral accepted")
    REFERRAL_DECLINED = "referral_declined", _("Referral declined")
    REFERRAL_ENDED = "referral_ended", _("Referral ended")
    TRANSFER_PROPOSED = "transfer_proposed", _("Transfer proposed")
    TRANSFER_ANSWERED = "transfer_answered", _("Transfer answered")
    TRANSFER_WITHDRAWN = "transfer_withdrawn", _("Transfer withdrawn")
    PLAN_SUBMITTED = "plan_submitted", _("Plan waiting for approval")
    PLAN_APPROVED = "plan_approved", _("Plan approved")
    PLAN_SENT_BACK = "plan_sent_back", _("Plan sent back")
    CLOSURE_REQUESTED = "closure_requested", _("Closure requested")
    CLOSURE_DECIDED = "closure_decided", _("Closure decided")
    TASK_DUE_TOMORROW = "task_due_tomorrow", _("Task due tomorrow")
    TASK_OVERDUE = "task_overdue", _("Task overdue")
    TRAINING_NO_PLACEMENT = "training_no_placement", _("Training completed 30 days ago, no placement yet")
    FOLLOW_UP_DUE = "follow_up_due", _("Follow-up due")
    ASSESSMENT_DUE = "assessment_due", _("Assessment due")
    CASE_ASSIGNED = "case_assigned", _("Case assigned to you")
    LOST_CONTACT = "lost_contact", _("Out of contact: follow-ups missed in a row")
    ALLOCATION_DUE = "allocation_due", _("This week's allocation: people who cannot wait longer")


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    # The case's code only (never the returnee's name); empty for a notice about no case.
    case_code = models.CharField(_("case code"), max_length=16, blank=True)
    # The path of the page where the action is, on this site (it needs sign-in).
    link = models.CharField(max_length=300, blank=True)
    # What the notice is about ("task:12"), so that a time-driven notice is raised once a day only.
    key = models.CharField(max_length=64, blank=True)
    day = models.DateField()
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when the notice went out by e-mail (at once or in a digest), so it never goes twice.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]
        constraints = [
            # A time-driven notice (with a key) is raised at most once a day for a person.
            models.UniqueConstraint(
                fields=["recipient", "kind", "key", "day"],
                condition=~models.Q(key=""),
                name="notification_once_a_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.case_code}"


class EmailFrequency(models.TextChoices):
    IMMEDIATELY = "immediately", _("At once, one e-mail for each notification")
    DAILY = "daily", _("Once a day, a digest")
    NEVER = "never", _("Never: only in reintegra")


class EmailPreference(models.Model):
    """How a person wants their notifications by e-mail; without a row, at once."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(
        _("e-mail"), max_length=16, choices=EmailFrequency.choices, default=EmailFrequency.IMMEDIATELY
    )
    last_digest_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id} {self.frequency}"


class EmailDelivery(models.Model):
    """One e-mail to send (one notice, or a day's digest) and its attempts, for the retries."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    notifications = models.ManyToManyField(Notification, related_name="+")
    digest_day = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "digest_day"],
                condition=models.Q(digest_day__isnull=False),
                name="one_digest_a_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.created_at}"
