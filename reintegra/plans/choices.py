from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reintegra.lib import labels


class Priority(models.TextChoices):
    """What returnees say matters most to them (../shared/PRODUCT.md, "What returnees ask for")."""

    INCOME = "income", _("A job or an income")
    DEBT = "debt", _("Paying off debt")
    PHYSICAL_HEALTH = "physical_health", _("Physical health")
    MENTAL_WELLBEING = "mental_wellbeing", _("Mental well-being")
    FAMILY = "family", _("Family acceptance and relations")
    CHILDREN_SCHOOLING = "children_schooling", _("Children's schooling")
    HOUSING = "housing", _("Housing")
    LEGAL = "legal", _("Legal help and justice")
    SAFETY = "safety", _("Safety")
    COMMUNITY = "community", _("Acceptance in the community, no stigma")
    SKILLS = "skills", _("Learning skills")
    SAFE_MIGRATION = "safe_migration", _("Migrating again, safely")


class RankingContext(models.TextChoices):
    INTAKE = "intake", _("Intake")
    REVIEW = "review", _("Review")


class Domain(models.TextChoices):
    """Goal domains of a plan; `HTCDS_SUPPORT_PLAN_TYPE` maps them onto HTCDS spl_Type."""

    ECONOMIC = "economic", _("Economic")
    SOCIAL = "social", _("Social")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial")
    HEALTH = "health", _("Health")
    HOUSING = "housing", _("Housing")
    LEGAL = "legal", _("Legal")
    FAMILY = "family", pgettext_lazy("plan goal area", "Family")
    EDUCATION = "education", _("Education")
    SAFETY = "safety", _("Safety")


HTCDS_SUPPORT_PLAN_TYPE = {
    Domain.ECONOMIC: "Livelihood",
    Domain.SOCIAL: "SocialCare",
    Domain.PSYCHOSOCIAL: "Health",
    Domain.HEALTH: "Health",
    Domain.HOUSING: "SocialCare",
    Domain.LEGAL: "Legal",
    Domain.FAMILY: "SocialCare",
    Domain.EDUCATION: "Education",
    Domain.SAFETY: "SocialCare",
}


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for approval")
    APPROVED = "approved", _("Approved")


class ActionKind(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    SERVICE = "service", _("Service")
    LIVELIHOOD = "livelihood", _("Livelihood enrolment")
    TASK = "task", _("Task")


class AssessmentPoint(models.TextChoices):
    BASELINE = "baseline", _("Baseline")
    MONTH_3 = "m3", _("3 months")
    MONTH_6 = "m6", _("6 months")
    MONTH_12 = "m12", _("12 months")


ASSESSMENT_MONTHS = {
    AssessmentPoint.BASELINE: 0,
    AssessmentPoint.MONTH_3: 3,
    AssessmentPoint.MONTH_6: 6,
    AssessmentPoint.MONTH_12: 12,
}


class ContactMethod(models.TextChoices):
    """How a caseworker tried to reach a returnee for a follow-up that did not reach them (issue 16)."""

    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Visit")
    MESSAGE = "message", _("Message")
    OTHER = "other", pgettext_lazy("way of contact", "Other")


# Names under which timeline lines and the `labels` filter find these vocabularies.
labels.register(
    plan_domain=Domain,
    plan_status=PlanStatus,
    assessment_point=AssessmentPoint,
    priority_context=RankingContext,
    contact_method=ContactMethod,
)
