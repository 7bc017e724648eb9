"""A case handed over from one agency to another (a consular office to the agency at home, one
province to the next), and who held the case when."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reintegra.lib.fields import EncryptedTextField
from reintegra.lib.validators import TextLength, validate_no_markup


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Transfer(models.Model):
    """A proposal by the owning agency's supervisor to hand the whole case to another agency,
    under a sharing consent that covers every category (or a supervisor's recorded override)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="transfers")
    from_agency = models.ForeignKey("network.Agency", on_delete=models.PROTECT, related_name="transfers_sent")
    to_agency = models.ForeignKey(
        "network.Agency", verbose_name=_("to agency"), on_delete=models.PROTECT, related_name="transfers_received"
    )
    reason = EncryptedTextField(_("why the case moves"), validators=[TextLength(1000), validate_no_markup])
    consent = models.ForeignKey(
        "cases.Consent", on_delete=models.PROTECT, null=True, blank=True, related_name="transfers"
    )
    override_reason = EncryptedTextField(
        _("reason for transferring without consent"), blank=True, validators=[TextLength(1000), validate_no_markup]
    )
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    status_reason = EncryptedTextField(_("reason"), blank=True, validators=[TextLength(1000), validate_no_markup])
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The caseworker of the receiving agency who takes the case, chosen on acceptance.
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("caseworker"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        indexes = [
            models.Index(fields=["to_agency", "status"]),
            models.Index(fields=["from_agency", "status"]),
        ]
        constraints = [
            # One pending transfer per case at a time.
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(status="pending"), name="transfer_one_pending_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.to_agency}"
