from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reintegra.cases.choices import Education
from reintegra.lib.fields import EncryptedTextField

from .choices import (
    BusinessFinance,
    BusinessStatus,
    CareDuty,
    ContractType,
    DebtPressure,
    EmploymentStatus,
    EnrolmentStatus,
    Literacy,
    Numeracy,
    PlacementKind,
)


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


class SkillsProfile(models.Model):
    """What a returnee can do, wants to do, and what limits them: one per case, kept up to date.

    Structured parts (groups, years, ranks) stay in clear for matching and statistics; everything in
    the person's own words, and health, is encrypted."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="skills_profile")
    education = models.CharField(_("education (ISCED)"), max_length=40, choices=Education.choices, blank=True)
    literacy = models.CharField(_("reading and writing"), max_length=12, choices=Literacy.choices, blank=True)
    numeracy = models.CharField(_("numbers"), max_length=12, choices=Numeracy.choices, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    # [{"isco": "75", "years": 3.5, "abroad": true}]: skills learned abroad count.
    experience = models.JSONField(_("work experience"), default=list, blank=True)
    certificates = EncryptedTextField(_("certificates"), blank=True)
    # {"realistic": 0–100, …} from the aptitude and interest assessment, with its date and tool.
    interests = models.JSONField(_("interest scores"), default=dict, blank=True)
    aptitude_notes = EncryptedTextField(_("aptitude assessment results"), blank=True)
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    # Ranked by the returnee: [{"isco": "51", "mode": "own_business"}], first is most wanted.
    aspirations = models.JSONField(_("aspirations"), default=list, blank=True)
    aspirations_words = EncryptedTextField(_("aspirations in their own words"), blank=True)
    work_areas = models.JSONField(_("areas where they can work"), default=list, blank=True)
    can_travel = models.BooleanField(_("can travel or move for work"), default=False)
    care_duties = models.CharField(_("care duties"), max_length=12, choices=CareDuty.choices, blank=True)
    health_limits = EncryptedTextField(_("health limits for work"), blank=True)
    needs_income_now = models.BooleanField(_("needs an income now"), default=False)
    income_needed_monthly = models.DecimalField(
        _("income needed per month"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    debt_pressure = models.CharField(_("debt repayment"), max_length=12, choices=DebtPressure.choices, blank=True)
    family_takes_part = models.BooleanField(_("family members should take part"), default=False)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("skills and aspirations profile")

    def __str__(self) -> str:
        return f"profile {self.case}"

    def aspiration_rank(self, isco_group: str) -> int | None:
        """1 for the most wanted occupation group, None if not among the aspirations."""
        for rank, wish in enumerate(self.aspirations, start=1):
            if wish.get("isco") == isco_group:
                return rank
        return None


class Enrolment(models.Model):
    """A person on an option, from recommendation to placement; the status moves by the ENROLMENT
    workflow (workflows.py)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="enrolments")
    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(_("status"), max_length=16, choices=EnrolmentStatus.choices)
    asked_by_returnee = models.BooleanField(_("asked for by the returnee"), default=False)
    # The referral to the provider through which the provider's staff see and record this enrolment.
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.SET_NULL, null=True, blank=True, related_name="enrolments"
    )
    recommended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recommended_on = models.DateField(_("recommended on"))
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decline_reason = EncryptedTextField(_("the returnee's reason"), blank=True)
    enrolled_on = models.DateField(_("enrolled on"), null=True, blank=True)
    ended_on = models.DateField(_("completed or left on"), null=True, blank=True)
    dropout_reason = EncryptedTextField(_("reason for leaving"), blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("enrolment")
        ordering = ["-recommended_on", "-pk"]
        indexes = [models.Index(fields=["status", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.case} on {self.opportunity_id}"


class StipendPayment(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="stipend_payments")
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "pk"]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.paid_on}"


class Placement(models.Model):
    """Where the option led: a job (employer, occupation, contract, income) or an own business."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.CASCADE, related_name="placement")
    kind = models.CharField(_("kind"), max_length=12, choices=PlacementKind.choices)
    employer = models.ForeignKey(
        "network.Agency", verbose_name=_("employer"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    employer_name = models.CharField(_("employer or business name"), max_length=200, blank=True)
    isco = models.CharField(_("occupation group (ISCO-08 sub-major)"), max_length=2)
    started_on = models.DateField(_("started on"))
    contract = models.CharField(_("contract"), max_length=12, choices=ContractType.choices, blank=True)
    monthly_income = models.DecimalField(_("monthly income"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    business_type = models.CharField(_("type of business"), max_length=200, blank=True)
    finance = models.CharField(_("financed by"), max_length=12, choices=BusinessFinance.choices, blank=True)
    finance_amount = models.DecimalField(
        _("grant or loan amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    business_status = models.CharField(_("business status"), max_length=12, choices=BusinessStatus.choices, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.kind} from {self.started_on}"


class IncomeFollowUp(models.Model):
    """Income and work 1, 3, 6 and 12 months after completion or start of work, each with a task."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="follow_ups")
    months = models.PositiveSmallIntegerField(_("months after"))
    due_on = models.DateField(_("due on"))
    task = models.OneToOneField("cases.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    employment = models.CharField(_("work"), max_length=16, choices=EmploymentStatus.choices, blank=True)
    monthly_income = models.DecimalField(_("monthly income"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    business_operating = models.BooleanField(_("business still operating"), null=True, blank=True)
    debt_outstanding = models.DecimalField(
        _("debt outstanding"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    notes = EncryptedTextField(_("notes"), blank=True)

    class Meta:
        ordering = ["due_on"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "months"], name="follow_up_unique_point")]

    def __str__(self) -> str:
        return f"{self.enrolment_id} +{self.months}m"
