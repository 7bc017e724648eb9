from django.db import models
from django.utils.translation import gettext_lazy as _


class LabourMarketDemand(models.Model):
    """Local demand for one occupation group in one area, from one source at one date."""

    area = models.CharField(_("area"), max_length=8, help_text=_("ISO 3166-2 code (a province, a state…)"))
    isco = models.CharField(_("occupation group (ISCO-08 sub-major)"), max_length=2)
    vacancies = models.PositiveIntegerField(_("vacancies"), null=True, blank=True)
    demand_index = models.DecimalField(_("demand index (0–100)"), max_digits=5, decimal_places=1, null=True, blank=True)
    monthly_wage = models.DecimalField(
        _("typical monthly wage"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    wage_currency = models.CharField(_("currency"), max_length=3, blank=True)
    source = models.CharField(_("source"), max_length=200)
    as_of = models.DateField(_("as of"))
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("labour-market figure")
        ordering = ["area", "isco", "-as_of"]
        constraints = [models.UniqueConstraint(fields=["area", "isco", "as_of"], name="demand_unique_per_date")]
        indexes = [models.Index(fields=["area", "isco"])]

    def __str__(self) -> str:
        return f"{self.area} {self.isco} {self.as_of}"


class OpportunityKind(models.TextChoices):
    VOCATIONAL_TRAINING = "vocational_training", _("Vocational training")
    PAID_TRAINING = "paid_training", _("Paid on-the-job training or apprenticeship")
    JOB = "job", _("Job vacancy")
    SELF_EMPLOYMENT = "self_employment", _("Self-employment support")
    EDUCATION = "education", _("Education")


class SelfEmploymentSupport(models.TextChoices):
    GRANT = "grant", _("Business training with a start-up grant")
    MICROCREDIT = "microcredit", _("Microcredit")
    IN_KIND = "in_kind", _("In-kind support")


class Opportunity(models.Model):
    """A livelihood option of the catalogue: a training, a paid apprenticeship, a job, support to
    start a business, or education; with what it pays and where it leads."""

    kind = models.CharField(_("kind"), max_length=24, choices=OpportunityKind.choices)
    support = models.CharField(
        _("self-employment support"), max_length=16, choices=SelfEmploymentSupport.choices, blank=True
    )
    title = models.CharField(_("title"), max_length=200)
    provider = models.ForeignKey(
        "network.Agency", verbose_name=_("provider"), on_delete=models.PROTECT, related_name="opportunities"
    )
    isco = models.CharField(_("occupation group (ISCO-08 sub-major)"), max_length=2)
    area = models.CharField(_("area"), max_length=8)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    duration_weeks = models.PositiveSmallIntegerField(_("duration (weeks)"), null=True, blank=True)
    seats = models.PositiveIntegerField(_("seats"), null=True, blank=True)
    stipend_monthly = models.DecimalField(
        _("stipend per month"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    wage_monthly = models.DecimalField(_("wage per month"), max_digits=12, decimal_places=2, null=True, blank=True)
    cost = models.DecimalField(_("cost per person"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    min_education = models.CharField(_("minimum education"), max_length=40, blank=True)
    literacy_required = models.BooleanField(_("reading and writing required"), default=False)
    placement_partners = models.ManyToManyField(
        "network.Agency", verbose_name=_("placement partners"), blank=True, related_name="placements_offered"
    )
    pathway = models.CharField(_("the job pathway it leads to"), max_length=300, blank=True)
    certification = models.CharField(_("certification"), max_length=200, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    gender_restriction = models.CharField(
        _("restricted to gender"), max_length=16, blank=True, choices=[("female", _("women")), ("male", _("men"))]
    )
    gender_restriction_reason = models.TextField(_("justification of the restriction"), max_length=1000, blank=True)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("livelihood option")
        ordering = ["area", "title"]
        indexes = [models.Index(fields=["area", "isco"]), models.Index(fields=["kind"])]

    def __str__(self) -> str:
        return self.title
