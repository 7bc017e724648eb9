"""Rules of one value: model fields name them as validators, so full_clean() applies them wherever
a record is written from (a page, the API, the demo, an import)."""

import datetime
import math
import re
from collections.abc import Callable, Iterable
from decimal import Decimal

import pycountry
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from reintegra.lib import clock, geo

# A tag opener (`<b`, `</`, `<!`, `<?`): text is stored as typed and always rendered escaped, but
# markup in a plain-text field is a mistake or an attack, so it is refused with a clear message.
_MARKUP = re.compile(r"<\s*[A-Za-z/!?]")


def validate_no_markup(value: str) -> None:
    """No markup, and no NUL character (which PostgreSQL cannot store in text and no person types)."""
    if value and "\x00" in value:
        raise ValidationError(_("This text contains a NUL character; remove it."), code="null_characters_not_allowed")
    if value and _MARKUP.search(value):
        raise ValidationError(_("Markup such as HTML tags is not allowed here; write plain text."), code="markup")


def validate_currency(value: str) -> None:
    if value and pycountry.currencies.get(alpha_3=value.upper()) is None:
        raise ValidationError(
            _("“%(code)s” is not an ISO 4217 currency code."), params={"code": value}, code="currency"
        )


# --- Rules of one value, for model fields (Model.full_clean runs them) ------------------------------

MAX_TEXT = 5000

# A value outside a field's vocabulary (Django's own message names no vocabulary either).
CHOICE_ERRORS = {"invalid_choice": _("Unknown value “%(value)s”.")}


@deconstructible
class TextLength:
    """At most `limit` characters. Encrypted text is a TextField, which checks no max_length itself."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, value: str) -> None:
        if value and len(value) > self.limit:
            raise ValidationError(
                _("Too long: at most %(max)s characters (this has %(n)s)."),
                params={"max": self.limit, "n": len(value)},
                code="max_length",
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextLength) and other.limit == self.limit

    def __hash__(self) -> int:
        return hash(self.limit)


@deconstructible
class ValuesIn:
    """Every value of a list (a JSON field) is one of the `choices` class's values."""

    def __init__(self, choices: type[models.TextChoices]) -> None:
        self.choices = choices

    def __call__(self, value: Iterable[str]) -> None:
        allowed = set(self.choices.values) if value else set()  # once a call: `values` is rebuilt each time
        bad = [v for v in value or [] if v not in allowed]
        if bad:
            raise ValidationError(
                # Not "invalid_choice": a field would put its own message for that code in place of this one.
                _("Unknown value(s): %(values)s."),
                params={"values": ", ".join(map(str, bad))},
                code="unknown_values",
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ValuesIn) and other.choices is self.choices

    def __hash__(self) -> int:
        return hash(self.choices)


def validate_plain_text(value: str) -> None:
    """Plain text, of at most MAX_TEXT characters, without markup."""
    TextLength(MAX_TEXT)(value)
    validate_no_markup(value)


def validate_countries(value: Iterable[str]) -> None:
    bad = [c for c in value or [] if not (isinstance(c, str) and c == c.upper() and geo.is_country(c))]
    if bad:
        raise ValidationError(
            _("Unknown country code(s): %(codes)s. Use ISO 3166-1 alpha-2, e.g. TH, PH, MY."),
            params={"codes": ", ".join(map(str, bad))},
            code="country",
        )


def validate_country(value: str) -> None:
    validate_countries([value])


def validate_area(value: str) -> None:
    """An ISO 3166-2 area (a province, a region…) or a country without areas (decisions/0002); blank
    passes (the field says whether it may be blank). The same rule as livelihoods' option areas."""
    if value and geo.area_get(str(value)) is None:
        raise ValidationError(
            _("“%(code)s” is not an ISO 3166-2 area (or a country without areas)."),
            params={"code": str(value).upper()},
            code="area",
        )


def validate_not_future(value: datetime.date | None) -> None:
    if value and value > clock.today():
        raise ValidationError(_("This date is in the future."), code="future")


def validate_not_negative(value: Decimal | None) -> None:
    if value is not None and value < 0:
        raise ValidationError(_("An amount cannot be negative."), code="negative")


# --- Numbers: finite, and within the range a person could mean (docs/security.md, "Numbers") -------

# An amount of money in its currency (a wage, a debt, a cost, a stipend): the fields hold 12 digits
# with 2 decimals; no amount a returnee meets is above ten billion, even in the weakest currency.
MAX_AMOUNT = 10_000_000_000
# A count of people, seats or vacancies.
MAX_COUNT = 1_000_000


@deconstructible
class FiniteRange:
    """A finite number from `low` to `high`: NaN, ±infinity and absurd magnitudes (10^20, 1e999999)
    are refused by name, wherever the number came from (a form, the API, an import)."""

    def __init__(self, low: float | int | Decimal, high: float | int | Decimal) -> None:
        self.low, self.high = low, high

    def __call__(self, value: float | int | Decimal | None) -> None:
        if value is None:
            return
        if not is_finite_number(value):
            raise ValidationError(_("Give a finite number."), code="not_finite")
        if not self.low <= value <= self.high:
            raise ValidationError(
                _("Give a number from %(low)s to %(high)s."),
                params={"low": f"{self.low:,}", "high": f"{self.high:,}"},
                code="out_of_range",
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FiniteRange) and (other.low, other.high) == (self.low, self.high)

    def __hash__(self) -> int:
        return hash((self.low, self.high))


def is_finite_number(value: object) -> bool:
    """A real number that is neither NaN (quiet or signalling) nor infinite; bools are not numbers."""
    if isinstance(value, bool):
        return False
    if isinstance(value, Decimal):
        return value.is_finite()
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    return False


# The reason given for a move (declining, revoking, going back a stage), as every workflow keeps it.
REASON: list[Callable[[str], None]] = [TextLength(1000), validate_no_markup]
