from decimal import Decimal
from typing import Any, Final, TypedDict

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from reintegra.lib import geo
from reintegra.lib.fields import StampField
from reintegra.lib.validators import MAX_AMOUNT, MAX_COUNT, FiniteRange, validate_currency, validate_no_markup

from .choices import AgencyType, GenderRestriction, Language, ServiceCategory, Stage


def validate_languages(value: list[str]) -> None:
    if not isinstance(value, list):
        raise ValidationError(_("Give the languages as a list of codes."), code="not_a_list")
    unknown = [code for code in value if code not in Language.values]
    if unknown:
        raise ValidationError(
            _("Unknown language code(s): %(codes)s."), params={"codes": ", ".join(map(str, unknown))}, code="unknown"
        )


def validate_country(value: str) -> None:
    if not geo.is_country(value) or value != value.upper():
        raise ValidationError(
            _("“%(code)s” is not an ISO 3166-1 alpha-2 country code (for example TH, PH)."),
            params={"code": value},
            code="unknown",
        )


class AgencyFields(TypedDict, total=False):
    """The fields of an agency that its writers give: the pages, the API, the services and the demo.
    Their order is the order of the form."""

    name: str
    name_local: str
    slug: str
    type: str
    country: str
    nationwide: bool
    languages: list[str]
    contact_email: str
    contact_phone: str
    website: str
    address: str
    description: str
    active: bool


class ServiceFields(TypedDict, total=False):
    """The fields of a service that its writers give, in the order of the form."""

    name: str
    name_local: str
    stage: str
    category: str
    description: str
    min_age: int | None
    max_age: int | None
    capacity: int | None
    cost_to_client: Decimal
    cost_currency: str
    languages: list[str]
    gender_restriction: str
    gender_restriction_reason: str
    active: bool


AGENCY_FIELDS: Final = tuple(AgencyFields.__annotations__)
SERVICE_FIELDS: Final = tuple(ServiceFields.__annotations__)


class NetworkRecord(models.Model):
    """What agencies and services share: they are retired rather than deleted, and edited against
    a version (see lib/concurrency.py)."""

    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = StampField(auto_now_add=True)
    updated_at = StampField(auto_now=True)

    class Meta:
        abstract = True


AGENCY_NAME_TAKEN: Final = "agency_name_taken"
AGENCY_LOCAL_NAME_TAKEN: Final = "agency_local_name_taken"
AGENCY_NAME_TAKEN_MESSAGE = _("Another agency in this country already has this name.")
_NAME_CLASHES = {AGENCY_NAME_TAKEN: "name", AGENCY_LOCAL_NAME_TAKEN: "name_local"}


class Agency(NetworkRecord):
    """An organisation of the referral network, in a country of origin or of destination."""

    slug = models.SlugField(_("short name"), max_length=64, unique=True)
    name = models.CharField(_("name (English)"), max_length=200, validators=[validate_no_markup])
    name_local = models.CharField(_("name (local script)"), max_length=200, blank=True, validators=[validate_no_markup])
    type = models.CharField(_("type"), max_length=40, choices=AgencyType.choices)
    country = models.CharField(
        _("country"), max_length=2, validators=[validate_country], help_text=_("ISO 3166-1 alpha-2 code")
    )
    nationwide = models.BooleanField(_("serves the whole country"), default=False)
    languages = models.JSONField(_("languages"), default=list, blank=True, validators=[validate_languages])
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True, validators=[validate_no_markup])
    website = models.URLField(_("website"), blank=True)
    address = models.TextField(_("address"), max_length=500, blank=True, validators=[validate_no_markup])
    description = models.TextField(_("description"), max_length=2000, blank=True, validators=[validate_no_markup])

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["country", "name"]
        indexes = [models.Index(fields=["country", "type"])]
        # No agency can pass for another of its country by taking its name, in either script
        # (case aside). `network.services` reports a clash against the field.
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "country",
                name="network_agency_name_unique_in_country",
                violation_error_code=AGENCY_NAME_TAKEN,
                violation_error_message=AGENCY_NAME_TAKEN_MESSAGE,
            ),
            models.UniqueConstraint(
                Lower("name_local"),
                "country",
                condition=~models.Q(name_local=""),
                name="network_agency_local_name_unique_in_country",
                violation_error_code=AGENCY_LOCAL_NAME_TAKEN,
                violation_error_message=AGENCY_NAME_TAKEN_MESSAGE,
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def validate_constraints(self, exclude: Any = None) -> None:
        """As Django's, but a name taken by another agency of the country is said next to that name
        (a constraint over two columns is otherwise reported for the whole record)."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict({})
            for error in errors.pop(NON_FIELD_ERRORS, []):
                errors.setdefault(_NAME_CLASHES.get(str(error.code), NON_FIELD_ERRORS), []).append(error)
            raise ValidationError(errors) from exc

    def names(self) -> dict[str, str]:
        """The agency's name by language: English, and its local name in its country's language."""
        by_language = {"en": self.name}
        local = LOCAL_LANGUAGES.get(self.country)
        if local and self.name_local:
            by_language[local] = self.name_local
        return by_language

    def name_for(self, language: str | None) -> str:
        """The name a reader of `language` reads: the local one (in the script of the agency's
        country) when the reader reads that country's language, the English one otherwise."""
        return self.names().get((language or "").split("-")[0], self.name)

    @property
    def display_name(self) -> str:
        """The name in the active language (see `name_for`); the `agency_name` filter shows it."""
        return self.name_for(get_language())

    @property
    def other_name(self) -> str:
        """The agency's other name, when it has two: the one `display_name` does not show."""
        shown = self.display_name
        other = self.name if shown == self.name_local else self.name_local
        return other if other and other != shown else ""


# The installation's language spoken in each country of the network: its readers read an agency of
# that country by its local name.
LOCAL_LANGUAGES: Final = {"TH": "th", "PH": "fil"}


class AgencyArea(models.Model):
    """An ISO 3166-2 area (province, region, state…) where the agency works."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(_("area"), max_length=8)

    class Meta:
        verbose_name = _("area served")
        verbose_name_plural = _("areas served")
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="agency_area_unique")]
        indexes = [models.Index(fields=["code"])]

    def __str__(self) -> str:
        return self.code


class Service(NetworkRecord):
    """What an agency offers at one stage of the continuum."""

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="services")
    name = models.CharField(_("name (English)"), max_length=200, validators=[validate_no_markup])
    name_local = models.CharField(_("name (local script)"), max_length=200, blank=True, validators=[validate_no_markup])
    stage = models.CharField(_("stage"), max_length=24, choices=Stage.choices)
    category = models.CharField(_("category"), max_length=32, choices=ServiceCategory.choices)
    description = models.TextField(_("description"), max_length=2000, blank=True, validators=[validate_no_markup])
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("maximum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    # Open to every gender unless a restriction is recorded together with its justification.
    gender_restriction = models.CharField(
        _("restricted to gender"),
        max_length=16,
        blank=True,
        choices=GenderRestriction.choices,
    )
    gender_restriction_reason = models.TextField(
        _("justification of the restriction"), max_length=1000, blank=True, validators=[validate_no_markup]
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        help_text=_("People at a time; empty when not limited."),
        validators=[FiniteRange(0, MAX_COUNT)],
    )
    cost_to_client = models.DecimalField(
        _("cost to the client"),
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), FiniteRange(0, MAX_AMOUNT)],
    )
    cost_currency = models.CharField(_("currency"), max_length=3, blank=True, validators=[validate_currency])
    languages = models.JSONField(_("languages"), default=list, blank=True, validators=[validate_languages])

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["agency__name", "stage", "name"]
        indexes = [models.Index(fields=["stage", "category"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            errors["max_age"] = _("The maximum age is below the minimum age.")
        if self.gender_restriction and not self.gender_restriction_reason.strip():
            errors["gender_restriction_reason"] = _(
                "Services are open to every gender; a restriction needs a recorded justification."
            )
        if self.cost_to_client and not self.cost_currency:
            errors["cost_currency"] = _("Give the currency of the cost.")
        if errors:
            raise ValidationError(errors)
