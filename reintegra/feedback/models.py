"""The returnee's feedback (issue 16): a one-time link, and the answers kept apart from the case.

A `FeedbackLink` knows the case (so its caseworker's agency may see that one was given) and keeps
only hashes of its token and short code; it is deleted when used. A `FeedbackAnswer` keeps the
provider, the kind of service and the month, never the case, the returnee or the link.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from reintegra.lib.validators import validate_no_markup

from .choices import Answer3, ServiceKind

COMMENT_MAX = 500


class FeedbackLink(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey("network.Agency", on_delete=models.PROTECT, related_name="+")
    service_kind = models.CharField(_("service"), max_length=12, choices=ServiceKind.choices)
    # The record it is about (a referral, an enrolment, a plan): one link per record at a time.
    source_id = models.PositiveBigIntegerField()
    language = models.CharField(_("language"), max_length=8, default="en")
    token_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service_kind", "source_id"], name="feedback_one_link_per_record")
        ]

    def __str__(self) -> str:
        return f"feedback link {self.pk} ({self.service_kind})"


class FeedbackAnswer(models.Model):
    provider = models.ForeignKey("network.Agency", on_delete=models.PROTECT, related_name="+")
    service_kind = models.CharField(_("service"), max_length=12, choices=ServiceKind.choices)
    period = models.DateField(_("month"))  # the first day of the month it was answered in
    usefulness = models.PositiveSmallIntegerField(
        _("How useful was it?"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    respected = models.CharField(_("Were you treated with respect?"), max_length=8, choices=Answer3.choices)
    choice_respected = models.CharField(_("Was your choice respected?"), max_length=8, choices=Answer3.choices)
    comment = models.TextField(
        _("Anything you want to tell us?"),
        blank=True,
        validators=[MaxLengthValidator(COMMENT_MAX), validate_no_markup],
    )

    class Meta:
        indexes = [models.Index(fields=["provider", "service_kind", "period"])]

    def __str__(self) -> str:
        return f"feedback on {self.service_kind}, {self.period:%Y-%m}"
