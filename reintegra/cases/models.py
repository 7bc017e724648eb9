import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reintegra.lib.fields import EncryptedDateField, EncryptedJSONField, EncryptedTextField
from reintegra.lib.phrases import render

from .choices import (
    HTCDS_CASE_STATUS,
    ConsentPurpose,
    Education,
    Gender,
    HistoryType,
    MaritalStatus,
    RecruiterRelation,
    ReturnType,
    Stage,
    TraffickingStatus,
)

# No 0/O, 1/I/L: codes are read aloud on the phone and copied by hand.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_case_code(country: str) -> str:
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{country}-{body[:4]}-{body[4:]}"


class Returnee(models.Model):
    """The person. Identifying fields are encrypted; search goes through the keyed-hash columns."""

    given_name = EncryptedTextField(_("given name"))
    family_name = EncryptedTextField(_("family name"), blank=True)
    other_names = EncryptedTextField(_("other names or aliases"), blank=True)
    birth_date = EncryptedDateField(_("birth date"), null=True, blank=True)
    phones = EncryptedJSONField(_("phone numbers"))
    email = EncryptedTextField(_("e-mail"), blank=True)
    address = EncryptedTextField(_("address"), blank=True)
    identity_documents = EncryptedJSONField(_("identity documents"))
    photo = EncryptedTextField(_("photo"), blank=True, help_text="Base64 of the image, encrypted.")
    photo_type = models.CharField(max_length=16, blank=True)
    # Blind index: HMAC of the normalised name, and of the name with the birth year.
    name_index = models.CharField(max_length=64, db_index=True, editable=False)
    name_year_index = models.CharField(max_length=64, db_index=True, blank=True, editable=False)

    gender = models.CharField(_("gender"), max_length=24, choices=Gender.choices)
    age_at_intake = models.PositiveSmallIntegerField(_("age at intake"), null=True, blank=True)
    citizenships = models.JSONField(_("citizenship"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    education = models.CharField(_("highest education (ISCED)"), max_length=40, choices=Education.choices, blank=True)
    marital_status = models.CharField(_("marital status"), max_length=24, choices=MaritalStatus.choices, blank=True)
    children = models.PositiveSmallIntegerField(_("number of children"), null=True, blank=True)
    trafficking_status = models.CharField(
        _("trafficking status"), max_length=32, choices=TraffickingStatus.choices, blank=True
    )
    trafficking_status_decided_by = models.ForeignKey(
        "network.Agency",
        verbose_name=_("status decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("returnee")
        verbose_name_plural = _("returnees")

    def __str__(self) -> str:
        return f"returnee #{self.pk}"


class PhoneIndex(models.Model):
    """One keyed hash per phone number, for exact search and duplicate detection."""

    returnee = models.ForeignKey(Returnee, on_delete=models.CASCADE, related_name="phone_index")
    key = models.CharField(max_length=64, db_index=True)

    def __str__(self) -> str:
        return self.key[:8]


class Case(models.Model):
    """One returnee's journey, owned by the agency that opened it, known everywhere by its code."""

    code = models.CharField(_("case code"), max_length=16, unique=True, editable=False)
    returnee = models.ForeignKey(Returnee, on_delete=models.PROTECT, related_name="cases")
    agency = models.ForeignKey(
        "network.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="cases"
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("caseworker"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    stage = models.CharField(_("stage"), max_length=24, choices=Stage.choices, default=Stage.IDENTIFICATION)
    notes = EncryptedTextField(_("case summary"), blank=True)
    opened_at = models.DateTimeField(_("opened"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closure_requested_at = models.DateTimeField(null=True, blank=True)
    closure_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closure_reason = EncryptedTextField(_("closure reason"), blank=True)
    stage_before_closure = models.CharField(max_length=24, choices=Stage.choices, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["agency", "stage"])]

    def __str__(self) -> str:
        return self.code

    @property
    def htcds_status(self) -> str:
        return HTCDS_CASE_STATUS[Stage(self.stage)]


class HistoryEvent(models.Model):
    """A step of the migration: recruitment, transit or exploitation."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="history")
    type = models.CharField(_("type"), max_length=16, choices=HistoryType.choices)
    country = models.CharField(_("country"), max_length=2)
    area = models.CharField(_("area or city"), max_length=120, blank=True)
    started_on = models.DateField(_("from"), null=True, blank=True)
    ended_on = models.DateField(_("until"), null=True, blank=True)
    recruitment_methods = models.JSONField(_("recruitment methods"), default=list, blank=True)
    recruiter_relation = models.CharField(
        _("relation to the recruiter"), max_length=16, choices=RecruiterRelation.choices, blank=True
    )
    exploitation_types = models.JSONField(_("forms of exploitation"), default=list, blank=True)
    industry = models.CharField(_("industry (ISIC section)"), max_length=60, blank=True)
    control_means = models.JSONField(_("means of control"), default=list, blank=True)
    duration_months = models.PositiveSmallIntegerField(_("duration (months)"), null=True, blank=True)
    debt_amount = models.DecimalField(_("debt owed on return"), max_digits=12, decimal_places=2, null=True, blank=True)
    debt_currency = models.CharField(_("currency"), max_length=3, blank=True)
    creditor = models.CharField(_("creditor"), max_length=120, blank=True)

    class Meta:
        ordering = ["started_on", "pk"]

    def __str__(self) -> str:
        return f"{self.type} {self.country}"


class ReturnJourney(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="return_journey")
    country_from = models.CharField(_("returned from"), max_length=2)
    returned_on = models.DateField(_("date of return"))
    return_type = models.CharField(_("type of return"), max_length=32, choices=ReturnType.choices)
    assisting_agencies = models.ManyToManyField(
        "network.Agency", verbose_name=_("assisted by"), blank=True, related_name="+"
    )
    documents_issued = models.CharField(_("documents issued"), max_length=300, blank=True)
    point_of_arrival = models.CharField(_("point of arrival"), max_length=120, blank=True)

    def __str__(self) -> str:
        return f"{self.country_from} {self.returned_on}"


class Consent(models.Model):
    """Consent for one purpose. Withdrawal ends, at once, every access that rested on it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=16, choices=ConsentPurpose.choices)
    recipient_agency = models.ForeignKey(
        "network.Agency",
        verbose_name=_("shared with agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recipient_agency_type = models.CharField(_("or any agency of type"), max_length=40, blank=True)
    categories = models.JSONField(_("data that may be shared"), default=list, blank=True)
    given_on = models.DateField(_("given on"))
    language = models.CharField(_("language used"), max_length=8)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("explained by"), on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-given_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.purpose} ({self.case})"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class CaseEvent(models.Model):
    """One line of the case's timeline, across agencies, written by the services."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Case opened")
        STAGE = "stage", _("Stage changed")
        CONSENT = "consent", _("Consent recorded")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
        REFERRAL = "referral", _("Referral")
        NOTE = "note", _("Note")
        TASK = "task", _("Task")
        SERVICE = "service", _("Service provided")
        CLOSURE = "closure", _("Closure")
        EDIT = "edit", _("Record updated")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    agency = models.ForeignKey("network.Agency", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # What the line says: a phrase (an English msgid, translated when shown) and its parameters,
    # never identifying data; free text (a note, a reason, a task) goes in `text`, encrypted.
    summary = models.CharField(max_length=300)
    params = models.JSONField(default=dict, blank=True)
    text = EncryptedTextField(blank=True)
    category = models.CharField(max_length=16, blank=True, help_text="Data category needed to see this line.")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case} {self.kind} {self.at:%Y-%m-%d}"

    @property
    def display_summary(self) -> str:
        """The line in the reader's language (see cases/timeline.py)."""
        return render(self.summary, self.params)


class Task(models.Model):
    """A task or a follow-up, due on a date, for a person or an agency."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = EncryptedTextField(_("task"))
    due_on = models.DateField(_("due on"))
    agency = models.ForeignKey("network.Agency", on_delete=models.PROTECT, related_name="tasks")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
    )
    is_follow_up = models.BooleanField(_("follow-up"), default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title
