"""The vocabularies of the returnee's feedback (issue 16)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceKind(models.TextChoices):
    """What the feedback is about: named to the returnee, never with a person or a case."""

    REFERRAL = "referral", _("A service you were referred to")
    TRAINING = "training", _("A training")
    PLACEMENT = "placement", _("A job or business support")
    PLAN = "plan", _("Your reintegration plan")


class Answer3(models.TextChoices):
    YES = "yes", _("Yes")
    PARTLY = "partly", _("Partly")
    NO = "no", _("No")
