"""The livelihood records, with the rules of each field and of each record (`clean()`).

Rules that need other records (seats, a person's eligibility, dates relative to the enrolment, the
enrolment's state) are the services'. Each group of fields that forms, serializers, services and the
demo write is declared once here (`PROFILE_FIELDS`, `PLACEMENT_FIELDS`, `FOLLOW_UP_FIELDS`,
`OPTION_FIELDS`, `DEMAND_FIELDS`)."""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from reintegra.cases.choices import Education
from reintegra.lib import geo
from reintegra.lib.fields import EncryptedLineField, EncryptedTextField, StampField
from reintegra.lib.validators import (
    MAX_AMOUNT,
    MAX_COUNT,
    FiniteRange,
    TextLength,
    validate_currency,
    validate_no_markup,
    validate_not_future,
)
from reintegra.network.models import Agency, validate_languages

from . import isco as isco_groups
from .choices import (
    BusinessFinance,
    BusinessStatus,
    CareDuty,
    ContractType,
    DebtPressure,
    EmploymentStatus,
    EnrolmentStatus,
    Interest,
    Literacy,
    Numeracy,
    PlacementKind,
    WorkMode,
)

MAX_ENTRIES = 10
EMPLOYER_TYPES = ("Employer", "CorporateBusiness")
MONEY_NEEDS_CURRENCY = _("Money needs its currency (ISO 4217, e.g. THB, PHP).")
AMOUNT_NOT_NEGATIVE = MinValueValidator(Decimal(0), _("An amount cannot be negative."))
NOT_NEGATIVE = _("This cannot be negative.")
OPTION_NOT_NEGATIVE = MinValueValidator(Decimal(0), NOT_NEGATIVE)


# Field validators (the rules of one value).


def validate_isco(value: str) -> None:
    if not isco_groups.is_sub_major(str(value)):
        raise ValidationError(
            _("“%(code)s” is not an ISCO-08 sub-major group (two digits, e.g. 72)."),
            params={"code": value},
            code="isco",
        )


def validate_area(value: str) -> None:
    if geo.area_get(str(value)) is None:
        raise ValidationError(
            _("“%(code)s” is not an ISO 3166-2 area (or a country without areas)."),
            params={"code": str(value).upper()},
            code="area",
        )


def validate_work_areas(value: Any) -> None:
    areas = value if isinstance(value, list) else [value]
    bad = [a for a in areas if not isinstance(a, str) or geo.area_get(a) is None]
    if bad:
        raise ValidationError(
            _("Unknown area code(s): %(codes)s (ISO 3166-2, e.g. TH-57)."),
            params={"codes": ", ".join(map(str, bad))},
            code="area",
        )


def _number_in(value: Any, low: float, high: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high


def validate_experience(value: Any) -> None:
    """[{"isco": "75", "years": 3.5, "abroad": true}]: skills learned abroad count."""
    if not isinstance(value, list) or len(value) > MAX_ENTRIES:
        raise ValidationError(_("Work experience is a list of at most %(n)s entries."), params={"n": MAX_ENTRIES})
    for number, entry in enumerate(value, start=1):
        if not isinstance(entry, dict) or not isco_groups.is_sub_major(str(entry.get("isco", ""))):
            raise ValidationError(_("Entry %(n)s: give an ISCO-08 sub-major group (two digits)."), params={"n": number})
        if not _number_in(entry.get("years"), 0, 60):
            raise ValidationError(_("Entry %(n)s: years of experience run from 0 to 60."), params={"n": number})
        if not isinstance(entry.get("abroad", False), bool):
            raise ValidationError(
                _("Entry %(n)s: say whether the work was abroad (true or false)."), params={"n": number}
            )


def validate_aspirations(value: Any) -> None:
    """Ranked by the returnee: [{"isco": "51", "mode": "own_business"}], first is most wanted."""
    if not isinstance(value, list) or len(value) > MAX_ENTRIES:
        raise ValidationError(_("Aspirations are a ranked list of at most %(n)s entries."), params={"n": MAX_ENTRIES})
    seen: set[str] = set()
    for rank, wish in enumerate(value, start=1):
        if not isinstance(wish, dict) or not isco_groups.is_sub_major(str(wish.get("isco", ""))):
            raise ValidationError(_("Rank %(n)s: give an ISCO-08 sub-major group (two digits)."), params={"n": rank})
        if wish.get("mode") not in WorkMode.values:
            raise ValidationError(
                _("Rank %(n)s: the mode is a wage job, an own business or further study."), params={"n": rank}
            )
        key = f"{wish['isco']}/{wish['mode']}"
        if key in seen:
            raise ValidationError(_("Rank %(n)s repeats an earlier aspiration."), params={"n": rank})
        seen.add(key)


def validate_interests(value: Any) -> None:
    """{"realistic": 0–100, …} from the aptitude and interest assessment."""
    if not isinstance(value, dict):
        raise ValidationError(_("Interest scores map each interest area to a score from 0 to 100."))
    for key, score in value.items():
        if key not in Interest.values:
            raise ValidationError(_("Unknown interest area “%(key)s”."), params={"key": key})
        if not _number_in(score, 0, 100):
            raise ValidationError(_("The score for “%(key)s” runs from 0 to 100."), params={"key": key})


def text(limit: int) -> list[Any]:
    """The validators of a plain text written by people: a length and no markup."""
    return [TextLength(limit), validate_no_markup]


def money_field(verbose_name: Any, *, never_below: MinValueValidator = AMOUNT_NOT_NEGATIVE) -> Any:
    """An optional amount; its currency is the record's `currency` (see `money_problems`)."""
    return models.DecimalField(
        verbose_name,
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[never_below, FiniteRange(0, MAX_AMOUNT)],
    )


# Rules of one record, and the services' use of them.


def money_problems(record: models.Model, amounts: Iterable[str], currency: str = "currency") -> dict[str, Any]:
    """Money is an amount with its currency."""
    if any(getattr(record, f) is not None for f in amounts) and not getattr(record, currency):
        return {currency: MONEY_NEEDS_CURRENCY}
    return {}


def group_values(model: type[models.Model], fields: Iterable[str], arguments: Mapping[str, Any]) -> dict[str, Any]:
    """A group's values from what a service was given: a field left out, or None in a field that
    cannot be null, stands for its default (an empty list, text or False)."""
    unknown = set(arguments) - set(fields)
    if unknown:
        raise TypeError(f"{model.__name__} has no field(s) {sorted(unknown)} in this group")
    values = {}
    for name in fields:
        value = arguments.get(name)
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)  # noqa: S101  a group holds the model's own fields
        values[name] = field.get_default() if value is None and not field.null else value
    return values


def values_of(record: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """A record's current values of a group of fields."""
    return {name: getattr(record, name) for name in fields}


class DemandFields(TypedDict, total=False):
    """A labour-market figure as its writers give it: the page, the API and the CSV import."""

    area: str
    isco: str
    vacancies: int | None
    demand_index: Decimal | None
    monthly_wage: Decimal | None
    wage_currency: str
    source: str
    as_of: datetime.date | None


DEMAND_FIELDS: Final = tuple(DemandFields.__annotations__)
DEMAND_INDEX_RANGE = _("The demand index runs from 0 to 100.")


class LabourMarketDemand(models.Model):
    """Local demand for one occupation group in one area, from one source at one date."""

    area = models.CharField(
        _("area"), max_length=8, help_text=_("ISO 3166-2 code (a province, a state…)"), validators=[validate_area]
    )
    isco = models.CharField(_("occupation group (ISCO-08 sub-major)"), max_length=2, validators=[validate_isco])
    vacancies = models.PositiveIntegerField(
        _("vacancies"),
        null=True,
        blank=True,
        validators=[FiniteRange(0, MAX_COUNT)],
        error_messages={"min_value": _("Vacancies cannot be negative.")},
    )
    demand_index = models.DecimalField(
        _("demand index (0–100)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        error_messages={"min_value": DEMAND_INDEX_RANGE, "max_value": DEMAND_INDEX_RANGE},
    )
    monthly_wage = models.DecimalField(
        _("typical monthly wage"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), FiniteRange(0, MAX_AMOUNT)],
        error_messages={"min_value": _("A wage cannot be negative.")},
    )
    wage_currency = models.CharField(_("currency"), max_length=3, blank=True, validators=[validate_currency])
    source = models.CharField(
        _("source"),
        max_length=200,
        validators=[validate_no_markup],
        error_messages={"blank": _("Name the source of the figure.")},
    )
    as_of = models.DateField(
        _("as of"), validators=[validate_not_future], error_messages={"null": _("Give the date of the figure.")}
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = StampField(auto_now=True)

    class Meta:
        verbose_name = _("labour-market figure")
        ordering = ["area", "isco", "-as_of"]
        constraints = [models.UniqueConstraint(fields=["area", "isco", "as_of"], name="demand_unique_per_date")]
        indexes = [models.Index(fields=["area", "isco"])]

    def __str__(self) -> str:
        return f"{self.area} {self.isco} {self.as_of}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.vacancies is None and self.demand_index is None:
            errors["vacancies"] = _("Give the vacancies, a demand index, or both.")
        if self.monthly_wage is not None and not self.wage_currency:
            errors["wage_currency"] = _("A wage needs its currency (ISO 4217, e.g. THB, PHP).")
        if errors:
            raise ValidationError(errors)


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
    title = models.CharField(
        _("title"),
        max_length=200,
        validators=[validate_no_markup],
        error_messages={"blank": _("Give the option a title.")},
    )
    provider = models.ForeignKey(
        "network.Agency", verbose_name=_("provider"), on_delete=models.PROTECT, related_name="opportunities"
    )
    isco = models.CharField(_("occupation group (ISCO-08 sub-major)"), max_length=2, validators=[validate_isco])
    area = models.CharField(_("area"), max_length=8, validators=[validate_area])
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    duration_weeks = models.PositiveSmallIntegerField(
        _("duration (weeks)"), null=True, blank=True, error_messages={"min_value": NOT_NEGATIVE}
    )
    seats = models.PositiveIntegerField(
        _("seats"),
        null=True,
        blank=True,
        validators=[FiniteRange(0, MAX_COUNT)],
        error_messages={"min_value": NOT_NEGATIVE},
    )
    stipend_monthly = money_field(_("stipend per month"), never_below=OPTION_NOT_NEGATIVE)
    wage_monthly = money_field(_("wage per month"), never_below=OPTION_NOT_NEGATIVE)
    cost = money_field(_("cost per person"), never_below=OPTION_NOT_NEGATIVE)
    currency = models.CharField(_("currency"), max_length=3, blank=True, validators=[validate_currency])
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, error_messages={"min_value": NOT_NEGATIVE}
    )
    max_age = models.PositiveSmallIntegerField(
        _("maximum age"), null=True, blank=True, error_messages={"min_value": NOT_NEGATIVE}
    )
    min_education = models.CharField(_("minimum education"), max_length=40, choices=Education.choices, blank=True)
    literacy_required = models.BooleanField(_("reading and writing required"), default=False)
    placement_partners = models.ManyToManyField(
        "network.Agency", verbose_name=_("placement partners"), blank=True, related_name="placements_offered"
    )
    pathway = models.CharField(
        _("the job pathway it leads to"), max_length=300, blank=True, validators=[validate_no_markup]
    )
    certification = models.CharField(_("certification"), max_length=200, blank=True, validators=[validate_no_markup])
    languages = models.JSONField(_("languages"), default=list, blank=True, validators=[validate_languages])
    gender_restriction = models.CharField(
        _("restricted to gender"), max_length=16, blank=True, choices=[("female", _("women")), ("male", _("men"))]
    )
    gender_restriction_reason = models.TextField(
        _("justification of the restriction"), max_length=1000, blank=True, validators=text(1000)
    )
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = StampField(auto_now=True)

    class Meta:
        verbose_name = _("livelihood option")
        ordering = ["area", "title"]
        indexes = [models.Index(fields=["area", "isco"]), models.Index(fields=["kind"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        self.area, self.currency = self.area.upper(), self.currency.upper()
        errors = money_problems(self, ("stipend_monthly", "wage_monthly", "cost"))
        if self.kind == OpportunityKind.SELF_EMPLOYMENT and not self.support:
            errors["support"] = _("Say which self-employment support it gives.")
        found = geo.area_get(self.area) if self.area else None
        if self.provider_id is not None and found is not None and self.provider.country != found.country:
            errors["area"] = _("The area is not in the provider's country.")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The end is before the start.")
        if self.min_age is not None and self.max_age is not None and self.max_age < self.min_age:
            errors["max_age"] = _("The maximum age is below the minimum age.")
        if self.gender_restriction and not self.gender_restriction_reason.strip():
            errors["gender_restriction_reason"] = _(
                "Options are open to every gender; a restriction needs a recorded justification."
            )
        if errors:
            raise ValidationError(errors)


class SkillsProfile(models.Model):
    """What a returnee can do, wants to do, and what limits them: one per case, kept up to date.

    Structured parts (groups, years, ranks) stay in clear for matching and statistics; everything in
    the person's own words, and health, is encrypted."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="skills_profile")
    education = models.CharField(_("education (ISCED)"), max_length=40, choices=Education.choices, blank=True)
    literacy = models.CharField(_("reading and writing"), max_length=12, choices=Literacy.choices, blank=True)
    numeracy = models.CharField(_("numbers"), max_length=12, choices=Numeracy.choices, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True, validators=[validate_languages])
    # [{"isco": "75", "years": 3.5, "abroad": true}]: skills learned abroad count.
    experience = models.JSONField(_("work experience"), default=list, blank=True, validators=[validate_experience])
    certificates = EncryptedTextField(_("certificates"), blank=True, validators=text(2000))
    # {"realistic": 0–100, …} from the aptitude and interest assessment, with its date and tool.
    interests = models.JSONField(_("interest scores"), default=dict, blank=True, validators=[validate_interests])
    aptitude_notes = EncryptedTextField(_("aptitude assessment results"), blank=True, validators=text(2000))
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True, validators=[validate_not_future])
    # Ranked by the returnee: [{"isco": "51", "mode": "own_business"}], first is most wanted.
    aspirations = models.JSONField(_("aspirations"), default=list, blank=True, validators=[validate_aspirations])
    aspirations_words = EncryptedTextField(_("aspirations in their own words"), blank=True, validators=text(2000))
    work_areas = models.JSONField(
        _("areas where they can work"), default=list, blank=True, validators=[validate_work_areas]
    )
    can_travel = models.BooleanField(_("can travel or move for work"), default=False)
    care_duties = models.CharField(_("care duties"), max_length=12, choices=CareDuty.choices, blank=True)
    health_limits = EncryptedTextField(_("health limits for work"), blank=True, validators=text(2000))
    needs_income_now = models.BooleanField(_("needs an income now"), default=False)
    income_needed_monthly = money_field(_("income needed per month"))
    currency = models.CharField(_("currency"), max_length=3, blank=True, validators=[validate_currency])
    debt_pressure = models.CharField(_("debt repayment"), max_length=12, choices=DebtPressure.choices, blank=True)
    family_takes_part = models.BooleanField(_("family members should take part"), default=False)
    version = models.PositiveIntegerField(default=1)
    updated_at = StampField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("skills and aspirations profile")

    def __str__(self) -> str:
        return f"profile {self.case}"

    def clean(self) -> None:
        self.currency = self.currency.upper()
        if isinstance(self.work_areas, list):
            self.work_areas = [a.upper() if isinstance(a, str) else a for a in self.work_areas]
        errors = money_problems(self, ("income_needed_monthly",))
        if errors:
            raise ValidationError(errors)

    def aspiration_rank(self, isco_group: str) -> int | None:
        """1 for the most wanted occupation group, None if not among the aspirations."""
        for rank, wish in enumerate(self.aspirations, start=1):
            if wish.get("isco") == isco_group:
                return rank
        return None


class AllocationRound(models.Model):
    """One confirmed cohort allocation (allocation.py): who confirmed it, when, under which constraints.
    Its offers point to it, so they can be reviewed and withdrawn together. The token is the preview's:
    confirming the same preview twice (a reload, a double click) finds the round and makes no offer."""

    token = models.UUIDField(unique=True, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = StampField(_("made at"), auto_now_add=True)
    constraints = models.JSONField(_("constraints"), default=dict, blank=True)

    class Meta:
        ordering = ["-made_at", "-pk"]

    def __str__(self) -> str:
        return f"allocation round {self.pk}"


class Enrolment(models.Model):
    """A person on an option, from recommendation to placement; the status moves by the ENROLMENT
    workflow (workflows.py)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="enrolments")
    # The case's agency, kept beside it (set when the enrolment is made, moved with a transfer of the
    # case), as the plan keeps it: an agency's enrolments are read by indexes of their own rather than
    # by joining every case of the network (at a million, an agency's newest enrolments and its trainings
    # completed without a placement each walked the network's enrolments, 0.3 and 0.4 s).
    agency = models.ForeignKey("network.Agency", on_delete=models.PROTECT, related_name="+", db_index=False)
    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(_("status"), max_length=16, choices=EnrolmentStatus.choices)
    asked_by_returnee = models.BooleanField(_("asked for by the returnee"), default=False)
    # The referral to the provider through which the provider's staff see and record this enrolment.
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.SET_NULL, null=True, blank=True, related_name="enrolments"
    )
    # Put forward by the provider itself under a referral that asked for something else: the returnee's
    # acceptance is then recorded by their caseworker (decisions/0018).
    proposed_by_provider = models.BooleanField(_("put forward by the provider"), default=False)
    recommended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recommended_on = models.DateField(_("recommended on"))
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decline_reason = EncryptedTextField(_("the returnee's reason"), blank=True)
    enrolled_on = models.DateField(_("enrolled on"), null=True, blank=True)
    ended_on = models.DateField(_("completed or left on"), null=True, blank=True)
    dropout_reason = EncryptedTextField(_("reason for leaving"), blank=True)
    # An offer withdrawn by a supervisor of the case's agency, before the person answered.
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = EncryptedTextField(_("why the offer was withdrawn"), blank=True)
    # The cohort allocation that made this offer, if one did.
    allocation_round = models.ForeignKey(
        AllocationRound, on_delete=models.SET_NULL, null=True, blank=True, related_name="offers"
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = StampField(auto_now=True)

    class Meta:
        verbose_name = _("enrolment")
        ordering = ["-recommended_on", "-pk"]
        indexes = [
            models.Index(fields=["status", "ended_on"]),
            # The enrolments last updated, read newest first (livelihoods/selectors.enrolments_for_user).
            models.Index(fields=["updated_at"], name="enrolment_updated"),
            # An agency's own enrolments, newest first (the enrolments page, access.enrolment_parts_for_user).
            models.Index(fields=["agency", "updated_at", "id"], name="enrolment_agency_updated"),
            # An agency's trainings completed without a placement, oldest first (selectors.placement_alerts).
            models.Index(
                fields=["agency", "ended_on"],
                condition=models.Q(status=EnrolmentStatus.COMPLETED),
                name="enrolment_agency_completed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} on {self.opportunity_id}"


def validate_paid(value: Decimal | None) -> None:
    if value is not None and value <= 0:
        raise ValidationError(AMOUNT_PAID, code="not_paid")


AMOUNT_PAID = _("Give the amount paid (more than zero).")


class StipendPayment(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="stipend_payments")
    paid_on = models.DateField(_("paid on"), validators=[validate_not_future])
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, validators=[validate_paid], error_messages={"null": AMOUNT_PAID}
    )
    currency = models.CharField(
        _("currency"), max_length=3, validators=[validate_currency], error_messages={"blank": MONEY_NEEDS_CURRENCY}
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = StampField(auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "pk"]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.paid_on}"


class Placement(models.Model):
    """Where the option led: a job (employer, occupation, contract, income) or an own business."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.CASCADE, related_name="placement")
    kind = models.CharField(_("kind"), max_length=12, choices=PlacementKind.choices)
    employer = models.ForeignKey(
        "network.Agency",
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"type__in": EMPLOYER_TYPES},
        error_messages={"invalid": _("Choose an employer, or write the employer's name.")},
    )
    # Where the returnee works now: encrypted (decisions/0024). An employer of the network stays a plain link.
    employer_name = EncryptedLineField(
        _("employer or business name"), max_length=200, blank=True, validators=[validate_no_markup]
    )
    isco = models.CharField(_("occupation group (ISCO-08 sub-major)"), max_length=2, validators=[validate_isco])
    started_on = models.DateField(
        _("started on"), validators=[validate_not_future], error_messages={"null": _("Give the start date.")}
    )
    contract = models.CharField(_("contract"), max_length=12, choices=ContractType.choices, blank=True)
    monthly_income = money_field(_("monthly income"))
    currency = models.CharField(_("currency"), max_length=3, blank=True, validators=[validate_currency])
    business_type = models.CharField(_("type of business"), max_length=200, blank=True, validators=[validate_no_markup])
    finance = models.CharField(_("financed by"), max_length=12, choices=BusinessFinance.choices, blank=True)
    finance_amount = money_field(_("grant or loan amount"))
    business_status = models.CharField(_("business status"), max_length=12, choices=BusinessStatus.choices, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.kind} from {self.started_on}"

    def clean(self) -> None:
        self.currency = self.currency.upper()
        errors = money_problems(self, ("monthly_income", "finance_amount"))
        if self.kind == PlacementKind.JOB and self.employer_id is None and not self.employer_name.strip():
            errors["employer_name"] = _("Name the employer.")
        if self.kind == PlacementKind.BUSINESS:
            if not self.business_type.strip():
                errors["business_type"] = _("Say what kind of business it is.")
            if not self.business_status:
                errors["business_status"] = _("Say how the business is doing.")
        if errors:
            raise ValidationError(errors)


class IncomeFollowUp(models.Model):
    """Income and work 1, 3, 6 and 12 months after completion or start of work, each with a task."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="follow_ups")
    months = models.PositiveSmallIntegerField(_("months after"))
    due_on = models.DateField(_("due on"))
    task = models.OneToOneField("cases.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    done_on = models.DateField(_("done on"), null=True, blank=True, validators=[validate_not_future])
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    employment = models.CharField(_("work"), max_length=16, choices=EmploymentStatus.choices, blank=True)
    monthly_income = money_field(_("monthly income"))
    currency = models.CharField(_("currency"), max_length=3, blank=True, validators=[validate_currency])
    business_operating = models.BooleanField(_("business still operating"), null=True, blank=True)
    debt_outstanding = money_field(_("debt outstanding"))
    notes = EncryptedTextField(_("notes"), blank=True, validators=text(2000))

    class Meta:
        ordering = ["due_on"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "months"], name="follow_up_unique_point")]

    def __str__(self) -> str:
        return f"{self.enrolment_id} +{self.months}m"

    def clean(self) -> None:
        self.currency = self.currency.upper()
        errors = money_problems(self, ("monthly_income", "debt_outstanding"))
        if self.employment and self.done_on is None:
            errors["done_on"] = _("Give the date of the follow-up.")
        if self.done_on is not None and not self.employment:
            errors["employment"] = _("Say whether they work, and how.")
        if errors:
            raise ValidationError(errors)


# The groups of fields that people write, each declared once: the forms, serializers, services and
# the demo take them from here.
class ProfileFields(TypedDict, total=False):
    """A skills, aptitude and aspirations profile as its writers give it."""

    education: str
    literacy: str
    numeracy: str
    languages: list[str] | None
    experience: list[dict[str, Any]] | None
    certificates: str
    interests: dict[str, float] | None
    aptitude_notes: str
    assessed_on: datetime.date | None
    aspirations: list[dict[str, str]] | None
    aspirations_words: str
    work_areas: list[str] | None
    can_travel: bool
    care_duties: str
    health_limits: str
    needs_income_now: bool
    income_needed_monthly: Decimal | None
    currency: str
    debt_pressure: str
    family_takes_part: bool


PROFILE_FIELDS: Final = tuple(ProfileFields.__annotations__)


class PlacementFields(TypedDict, total=False):
    """Where an option led: a job or a business."""

    kind: str
    employer: Agency | None
    employer_name: str
    isco: str
    started_on: datetime.date
    contract: str
    monthly_income: Decimal | None
    currency: str
    business_type: str
    finance: str
    finance_amount: Decimal | None
    business_status: str


PLACEMENT_FIELDS: Final = tuple(PlacementFields.__annotations__)


class FollowUpFields(TypedDict, total=False):
    """Work and income at a follow-up point."""

    done_on: datetime.date
    employment: str
    monthly_income: Decimal | None
    currency: str
    business_operating: bool | None
    debt_outstanding: Decimal | None
    notes: str


FOLLOW_UP_FIELDS: Final = tuple(FollowUpFields.__annotations__)


class OptionFields(TypedDict, total=False):
    """An option of the catalogue."""

    kind: str
    support: str
    title: str
    provider: Agency
    isco: str
    area: str
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    duration_weeks: int | None
    seats: int | None
    stipend_monthly: Decimal | None
    wage_monthly: Decimal | None
    cost: Decimal | None
    currency: str
    min_age: int | None
    max_age: int | None
    min_education: str
    literacy_required: bool
    pathway: str
    certification: str
    languages: list[str] | None
    gender_restriction: str
    gender_restriction_reason: str
    active: bool


OPTION_FIELDS: Final = tuple(OptionFields.__annotations__)
