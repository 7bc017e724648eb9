"""The records of a case. Each field carries its own rules (choices, lengths, validators) and each
record its rules across fields (`clean()`); the services run them with `full_clean()`. The groups
of fields that forms, serializers, services and the demo share are declared here, once."""

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from reintegra.lib import crypto
from reintegra.lib.fields import (
    EncryptedDateField,
    EncryptedJSONField,
    EncryptedLineField,
    EncryptedTextField,
    StampField,
)
from reintegra.lib.phrases import render
from reintegra.lib.validators import (
    CHOICE_ERRORS,
    TextLength,
    ValuesIn,
    validate_area,
    validate_countries,
    validate_country,
    validate_currency,
    validate_no_markup,
    validate_not_future,
    validate_not_negative,
    validate_plain_text,
)
from reintegra.network.choices import AgencyType, Language

from .choices import (
    HTCDS_CASE_STATUS,
    ClosureReason,
    ConsentPurpose,
    ControlMeans,
    DataCategory,
    DocumentType,
    Education,
    Exploitation,
    Gender,
    HistoryType,
    Industry,
    MaritalStatus,
    RecruiterRelation,
    RecruitmentMethod,
    ReturnType,
    Stage,
    TraffickingStatus,
)

# No 0/O, 1/I/L: codes are read aloud on the phone and copied by hand.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_case_code(country: str) -> str:
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{country}-{body[:4]}-{body[4:]}"


MAX_PHONES = 5
MAX_AGE = 120


# ValuesIn refuses with the code "invalid_choice", for which a field shows its own message instead of
# the validator's (Field.run_validators): a list field's own message must be the validator's one.
def vocabulary_list(verbose_name: Any, vocabulary: type[models.TextChoices]) -> models.JSONField:
    """A list of values of one vocabulary, stored as JSON."""
    return models.JSONField(
        verbose_name,
        default=list,
        blank=True,
        validators=[ValuesIn(vocabulary)],
    )


def choices_of(model: type[models.Model], name: str) -> list[tuple[str, Any]]:
    """The vocabulary of a model's field, for the form that fills it: the field's choices, or the
    values its `ValuesIn` rule accepts (a list field)."""
    field = model._meta.get_field(name)
    if getattr(field, "choices", None):
        return list(field.choices)  # type: ignore[union-attr, arg-type]
    rule = next(v for v in getattr(field, "validators", []) if isinstance(v, ValuesIn))
    return list(rule.choices.choices)


def validate_age(value: int | None) -> None:
    if value is not None and not 0 <= int(value) <= MAX_AGE:
        raise ValidationError(_("Give an age between 0 and 120."), code="age")


GIVEN_NAME_MISSING = _("Give at least a given name (or the name the person uses).")


def validate_given_name(value: str) -> None:
    if not value.strip():
        raise ValidationError(GIVEN_NAME_MISSING, code="blank")


def validate_phones(value: list[str]) -> None:
    if len(value) > MAX_PHONES:
        raise ValidationError(_("At most %(n)s phone numbers."), params={"n": MAX_PHONES}, code="max_phones")
    if any(not crypto.phone_key(p) for p in value):
        raise ValidationError(_("A phone number needs at least 7 digits."), code="phone")


# A document number as people write it (letters, digits, dashes): the form's and the API's limit.
DOCUMENT_NUMBER_LENGTH = 60


def validate_identity_documents(value: list[Any]) -> None:
    """Each document a known type and a number, both plain text like every other typed value (no
    markup, no NUL, a bounded length), whichever way it came in: the form, the API or a service."""
    for doc in value:
        if not isinstance(doc, dict) or not str(doc.get("number", "")).strip():
            raise ValidationError(_("Each identity document needs a type and a number."), code="document")
        if any(not isinstance(part, str) for part in doc.values()):
            raise ValidationError(_("Each identity document needs a type and a number."), code="document")
        ValuesIn(DocumentType)([doc.get("type", "")])
        TextLength(DOCUMENT_NUMBER_LENGTH)(doc["number"])
        for part in doc.values():
            validate_no_markup(part)


class Returnee(models.Model):
    """The person. Identifying fields are encrypted; search goes through the keyed-hash columns."""

    # The returnee's fields by the data category that shows them (and whose edits the audit names).
    IDENTITY_FIELDS: ClassVar[tuple[str, ...]] = (
        "given_name",
        "family_name",
        "other_names",
        "birth_date",
        "identity_documents",
    )
    CONTACT_FIELDS: ClassVar[tuple[str, ...]] = ("phones", "email", "address")
    PROFILE_FIELDS: ClassVar[tuple[str, ...]] = (
        "gender",
        "age_at_intake",
        "citizenships",
        "home_area",
        "languages",
        "education",
        "marital_status",
        "children",
        "trafficking_status",
        "trafficking_status_decided_by",
    )
    # What intake and edits may set; the rest (photo, blind indexes) is the services' own.
    FIELDS: ClassVar[tuple[str, ...]] = IDENTITY_FIELDS + CONTACT_FIELDS + PROFILE_FIELDS

    # Encrypted fields are validated on their plaintext: full_clean runs before the value is
    # encrypted (get_prep_value), on the attribute as the service set it.
    given_name = EncryptedTextField(
        _("given name"),
        validators=[validate_given_name, TextLength(500), validate_no_markup],
        error_messages={"blank": GIVEN_NAME_MISSING},
    )
    family_name = EncryptedTextField(_("family name"), blank=True, validators=[TextLength(500), validate_no_markup])
    other_names = EncryptedTextField(
        _("other names or aliases"), blank=True, validators=[TextLength(500), validate_no_markup]
    )
    birth_date = EncryptedDateField(_("birth date"), null=True, blank=True, validators=[validate_not_future])
    phones = EncryptedJSONField(_("phone numbers"), validators=[validate_phones])
    email = EncryptedTextField(_("e-mail"), blank=True, validators=[TextLength(500), validate_no_markup])
    address = EncryptedTextField(_("address"), blank=True, validators=[TextLength(500), validate_no_markup])
    identity_documents = EncryptedJSONField(_("identity documents"), validators=[validate_identity_documents])
    photo = EncryptedTextField(_("photo"), blank=True, help_text="Base64 of the image, encrypted.")
    photo_type = models.CharField(max_length=16, blank=True)
    # Blind index: HMAC of the normalised name, of the name with the birth year, and of the name
    # with the whole birth date (what the duplicate check across agencies matches, decisions/0022).
    name_index = models.CharField(max_length=64, db_index=True, editable=False)
    name_year_index = models.CharField(max_length=64, db_index=True, blank=True, editable=False)
    name_birth_index = models.CharField(max_length=64, db_index=True, blank=True, editable=False)

    gender = models.CharField(_("gender"), max_length=24, choices=Gender.choices, error_messages=CHOICE_ERRORS)
    age_at_intake = models.PositiveSmallIntegerField(
        _("age at intake"), null=True, blank=True, validators=[validate_age]
    )
    citizenships = models.JSONField(_("citizenship"), default=list, blank=True, validators=[validate_countries])
    # Where the person lives or will live on return, as a province or region (ISO 3166-2), for the
    # figures by area of origin: coarse enough to be plain (the address is encrypted), and indexed
    # for grouping and filtering. It must lie in the agency's country or a citizenship's (services).
    home_area = models.CharField(
        _("home area (province)"),
        max_length=8,
        blank=True,
        db_index=True,
        validators=[validate_area],
        help_text=_("ISO 3166-2 code of the province or region, e.g. TH-57, PH-CEB."),
    )
    languages = vocabulary_list(_("languages"), Language)
    education = models.CharField(
        _("highest education (ISCED)"),
        max_length=40,
        choices=Education.choices,
        blank=True,
        error_messages=CHOICE_ERRORS,
    )
    marital_status = models.CharField(
        _("marital status"), max_length=24, choices=MaritalStatus.choices, blank=True, error_messages=CHOICE_ERRORS
    )
    children = models.PositiveSmallIntegerField(
        _("number of children"), null=True, blank=True, validators=[MaxValueValidator(30)]
    )
    trafficking_status = models.CharField(
        _("trafficking status"),
        max_length=32,
        choices=TraffickingStatus.choices,
        blank=True,
        error_messages=CHOICE_ERRORS,
    )
    trafficking_status_decided_by = models.ForeignKey(
        "network.Agency",
        verbose_name=_("status decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = StampField(auto_now_add=True)

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


class NameWordIndex(models.Model):
    """One keyed hash per word of the returnee's names (a short word whole, a longer one by its
    first four characters), for search by part of a name (decisions/0017)."""

    returnee = models.ForeignKey(Returnee, on_delete=models.CASCADE, related_name="name_words")
    key = models.CharField(max_length=64, db_index=True)

    def __str__(self) -> str:
        return self.key[:8]


# A case's long texts, which no list shows: its summary, the reasons of a closure or an erasure, what an
# import kept. Lists leave them out (`lib/fields.unread`), so that a page of 25 rows with their cases
# does not decrypt texts it never reads (the today page decrypted 329 of them, two thirds of its 516).
CASE_TEXTS = ("notes", "closure_reason", "erasure_reason", "htcds_extra")


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
    stage = models.CharField(
        _("stage"), max_length=24, choices=Stage.choices, default=Stage.IDENTIFICATION, error_messages=CHOICE_ERRORS
    )
    notes = EncryptedTextField(_("case summary"), blank=True, validators=[validate_plain_text])
    opened_at = models.DateTimeField(_("opened"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closure_requested_at = models.DateTimeField(null=True, blank=True)
    closure_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closure_reason = EncryptedTextField(_("closure reason"), blank=True)
    stage_before_closure = models.CharField(max_length=24, choices=Stage.choices, blank=True)
    # Why the case was closed (choices.ClosureReason, issue 16), asked with the request and kept after
    # the approval; blank on a case closed before reasons were recorded whose words matched none
    # (migration 0015). `closure_reason` keeps the words. A case closed as reintegrated keeps the
    # composite of its last sustainability assessment (0–1) as it was on the day of the closure.
    closure_code = models.CharField(
        _("reason for closing"), max_length=24, choices=ClosureReason.choices, blank=True, error_messages=CHOICE_ERRORS
    )
    closure_index = models.FloatField(_("last sustainability index"), null=True, blank=True)
    # A supervisor dismissed the lost-contact alert (contact restored): follow-ups due on or before
    # this day no longer count as missed (plans/lost_contact.py).
    contact_restored_on = models.DateField(_("contact restored on"), null=True, blank=True)
    # The identifier another system gave the case (HTCDS cas_CaseNumber), set by an import: what a
    # re-import of the same file finds, so it creates no duplicate (unique per agency).
    external_id = models.CharField(_("identifier elsewhere"), max_length=120, blank=True, editable=False)
    # The HTCDS fields of an imported case that reintegra keeps nowhere else (a salutation, an
    # incoming referral from an agency outside the network…), by field name: nothing in a file is lost
    # and the export writes them back. Encrypted: they may name people and places.
    htcds_extra = EncryptedJSONField(default=dict, blank=True, editable=False)
    # Erasure of the returnee's identifying data (cases/erasure.py, decisions/0029-retention-and-erasure):
    # a caseworker asks on the returnee's behalf, a supervisor who did not ask confirms.
    erasure_requested_at = models.DateTimeField(null=True, blank=True)
    erasure_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    erasure_reason = EncryptedTextField(_("reason for erasure"), blank=True)
    erased_at = models.DateTimeField(_("identifying data erased"), null=True, blank=True, db_index=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = StampField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at"]
        indexes = [
            # The case list, newest first: an agency's cases in that order, all or by stage, read a page
            # at a time (cases/listing.py); by stage alone they also serve the dashboards' counts. The
            # stage and code at hand: a search by two characters of a code, which the trigrams cannot
            # narrow, walks the agency's cases in order from the index alone (at a million, 1.4 ms for
            # a page instead of 0.55 s reading and sorting the 1,467 of 306,000 cases that match).
            models.Index(fields=["agency", "-opened_at", "-id"], include=["stage", "code"], name="case_agency_opened"),
            # The cases referred to an agency, newest first: every case in that order, its agency and
            # stage at hand, each looked for among the agency's active referrals until a page is full.
            models.Index(fields=["-opened_at", "-id"], include=["agency", "stage"], name="case_opened"),
            models.Index(fields=["agency", "stage", "-opened_at", "-id"], name="case_agency_stage_opened"),
            # The caseload dashboard's counts by stage and worker, and of closures by reason, read from
            # the index alone (at a million, 0.1 s rather than 0.3).
            models.Index(fields=["agency", "stage", "caseworker", "closure_code"], name="case_agency_stage_worker"),
            # The closures waiting for a supervisor (the home page's queue, the caseload dashboard).
            models.Index(
                fields=["agency", "closure_requested_at"],
                condition=models.Q(closure_requested_at__isnull=False),
                name="case_closure_asked",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "external_id"],
                condition=~models.Q(external_id=""),
                name="case_external_id_unique_per_agency",
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def htcds_status(self) -> str:
        return HTCDS_CASE_STATUS[Stage(self.stage)]


class HistoryEvent(models.Model):
    """A step of the migration: recruitment, transit or exploitation."""

    # What a caseworker records of one step (everything but the case it belongs to).
    FIELDS: ClassVar[tuple[str, ...]] = (
        "type",
        "country",
        "area",
        "started_on",
        "ended_on",
        "recruitment_methods",
        "recruiter_relation",
        "exploitation_types",
        "industry",
        "control_means",
        "duration_months",
        "debt_amount",
        "debt_currency",
        "creditor",
    )

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="history")
    type = models.CharField(_("type"), max_length=16, choices=HistoryType.choices, error_messages=CHOICE_ERRORS)
    country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    # Where the person was held, whom they owe, how they came back: a trafficker or a creditor could
    # find them by it; encrypted (issue 12, finding 9; decisions/0024). The country stays plain (statistics).
    area = EncryptedLineField(_("area or city"), max_length=120, blank=True, validators=[validate_no_markup])
    started_on = models.DateField(_("from"), null=True, blank=True, validators=[validate_not_future])
    ended_on = models.DateField(_("until"), null=True, blank=True, validators=[validate_not_future])
    recruitment_methods = vocabulary_list(_("recruitment methods"), RecruitmentMethod)
    recruiter_relation = models.CharField(
        _("relation to the recruiter"),
        max_length=16,
        choices=RecruiterRelation.choices,
        blank=True,
        error_messages=CHOICE_ERRORS,
    )
    exploitation_types = vocabulary_list(_("forms of exploitation"), Exploitation)
    industry = models.CharField(
        _("industry (ISIC section)"), max_length=60, blank=True, choices=Industry.choices, error_messages=CHOICE_ERRORS
    )
    control_means = vocabulary_list(_("means of control"), ControlMeans)
    duration_months = models.PositiveSmallIntegerField(_("duration (months)"), null=True, blank=True)
    debt_amount = models.DecimalField(
        _("debt owed on return"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[validate_not_negative],
    )
    debt_currency = models.CharField(_("currency"), max_length=3, blank=True, validators=[validate_currency])
    creditor = EncryptedLineField(_("creditor"), max_length=120, blank=True, validators=[validate_no_markup])

    class Meta:
        ordering = ["started_on", "pk"]

    def __str__(self) -> str:
        return f"{self.type} {self.country}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            errors["ended_on"] = _("The end is before the start.")
        if self.debt_amount is not None and not self.debt_currency:
            errors["debt_currency"] = _("Give the currency of the amount.")
        if errors:
            raise ValidationError(errors)


class ReturnJourney(models.Model):
    # What a caseworker records of the return, besides the assisting agencies (a many-to-many).
    FIELDS: ClassVar[tuple[str, ...]] = (
        "country_from",
        "returned_on",
        "return_type",
        "documents_issued",
        "point_of_arrival",
    )

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="return_journey")
    country_from = models.CharField(_("returned from"), max_length=2, validators=[validate_country])
    returned_on = models.DateField(
        _("date of return"),
        validators=[validate_not_future],
        error_messages={"null": _("Give the date of return."), "blank": _("Give the date of return.")},
    )
    return_type = models.CharField(
        _("type of return"), max_length=32, choices=ReturnType.choices, error_messages=CHOICE_ERRORS
    )
    assisting_agencies = models.ManyToManyField(
        "network.Agency", verbose_name=_("assisted by"), blank=True, related_name="+"
    )
    documents_issued = EncryptedLineField(
        _("documents issued"), max_length=300, blank=True, validators=[validate_no_markup]
    )
    point_of_arrival = EncryptedLineField(
        _("point of arrival"), max_length=120, blank=True, validators=[validate_no_markup]
    )

    def __str__(self) -> str:
        return f"{self.country_from} {self.returned_on}"


class Consent(models.Model):
    """Consent for one purpose. Withdrawal ends, at once, every access that rested on it."""

    # What the returnee consented to (the case, who explained it and the withdrawal are the services').
    FIELDS: ClassVar[tuple[str, ...]] = (
        "purpose",
        "recipient_agency",
        "recipient_agency_type",
        "categories",
        "given_on",
        "language",
    )

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=ConsentPurpose.choices, error_messages=CHOICE_ERRORS
    )
    recipient_agency = models.ForeignKey(
        "network.Agency",
        verbose_name=_("shared with agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recipient_agency_type = models.CharField(
        _("or any agency of type"), max_length=40, blank=True, choices=AgencyType.choices, error_messages=CHOICE_ERRORS
    )
    categories = vocabulary_list(_("data that may be shared"), DataCategory)
    given_on = models.DateField(_("given on"), validators=[validate_not_future])
    language = models.CharField(
        _("language used"),
        max_length=8,
        choices=Language.choices,
        error_messages=CHOICE_ERRORS | {"blank": _("Record the language in which consent was explained.")},
    )
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("explained by"), on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = StampField(auto_now_add=True)

    class Meta:
        ordering = ["-given_on", "-pk"]
        indexes = [
            # The few consents withdrawn, looked for when a referral's access is checked (access/cases.py).
            models.Index(fields=["id"], condition=models.Q(withdrawn_at__isnull=False), name="consent_withdrawn"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} ({self.case})"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None

    def clean(self) -> None:
        if self.purpose != ConsentPurpose.SHARING:
            return
        errors: dict[str, Any] = {}
        if not self.recipient_agency_id and not self.recipient_agency_type:
            errors["recipient_agency"] = _("Name the agency, or the type of agency, the data may be shared with.")
        if not self.categories:
            errors["categories"] = _("Choose the data that may be shared.")
        if errors:
            raise ValidationError(errors)


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
    # A referral line: the agency the referral went to. Another receiving agency does not see the line.
    referred_to = models.ForeignKey("network.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # What the line says: a phrase (an English msgid, translated when shown) and its parameters,
    # never identifying data; free text (a note, a reason, a task) goes in `text`, encrypted.
    summary = models.CharField(max_length=300)
    params = models.JSONField(default=dict, blank=True)
    text = EncryptedTextField(blank=True, validators=[validate_plain_text])
    category = models.CharField(max_length=16, blank=True, help_text="Data category needed to see this line.")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case} {self.kind} {self.at:%Y-%m-%d}"

    @property
    def display_summary(self) -> str:
        """The line in the reader's language (see cases/timeline.py)."""
        return render(self.summary, self.params)


class Remigration(models.Model):
    """The returnee moved abroad again (issue 16): where to and whether through regular channels. An
    event of the person's life, recorded with or without a closure, never a failure of theirs."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="remigrations")
    country = models.CharField(_("destination country"), max_length=2, validators=[validate_country])
    # True: through regular channels (a work contract, a visa); False: not; None: not known.
    regular = models.BooleanField(_("through regular channels"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True, validators=[validate_not_future])
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = StampField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.country}"


TASK_TITLE_LIMIT = 200


class Task(models.Model):
    """A task or a follow-up, due on a date, for a person or an agency."""

    # A task on no case is one the system gives a supervisor about their agency (an alert of unusual
    # duplicate checks, decisions/0022): only its assignee sees it.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks", null=True, blank=True)
    title = EncryptedTextField(_("task"), validators=[TextLength(TASK_TITLE_LIMIT), validate_no_markup])
    due_on = models.DateField(_("due on"))
    agency = models.ForeignKey("network.Agency", on_delete=models.PROTECT, related_name="tasks")
    # The case's agency, kept beside the task as the plan and the enrolments keep it (decisions/0047):
    # set by the one writer of tasks, moved with the case by a transfer's hand-over. The access rule
    # reads an agency's tasks on its own cases from the task's index alone, without the cases.
    case_agency = models.ForeignKey(
        "network.Agency", on_delete=models.PROTECT, related_name="+", null=True, blank=True, db_index=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
    )
    is_follow_up = models.BooleanField(_("follow-up"), default=False)
    # A task the system schedules for a record (an assessment, an income follow-up) keeps its title
    # as a phrase and parameters too (lib/phrases.py), so each reader reads it in their language;
    # `title` holds its English wording. A task a person writes has no phrase.
    title_phrase = models.CharField(max_length=200, blank=True, default="")
    title_params = models.JSONField(default=dict, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = StampField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]
        # An agency's open tasks by due day, in the lists' order (due day, then key: a list's first 25
        # are its index's first 25, not every task of its first day sorted), with what the overdue
        # counts and the caseload dashboard count by: the assignee, the case and whose it is, read
        # from the index alone (decisions/0047).
        indexes = [
            models.Index(
                fields=["agency", "due_on", "id", "assignee", "case", "case_agency"],
                condition=models.Q(done_at__isnull=True),
                name="task_open_due",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the reader's language: the phrase of a system task, the words of a person's."""
        return render(self.title_phrase, self.title_params) if self.title_phrase else self.title
