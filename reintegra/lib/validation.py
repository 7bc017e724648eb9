"""Checks on case input that forms, the API and the services share."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from reintegra.lib import geo
from reintegra.lib.validators import validate_no_markup

MAX_TEXT = 5000


def check_countries(field: str, codes: Iterable[str], errors: dict[str, Any]) -> None:
    bad = [c for c in codes if not (isinstance(c, str) and c == c.upper() and geo.is_country(c))]
    if bad:
        errors[field] = _("Unknown country code(s): %(codes)s. Use ISO 3166-1 alpha-2, e.g. TH, PH, MY.") % {
            "codes": ", ".join(map(str, bad))
        }


def check_choices(field: str, values: Iterable[str], allowed: Iterable[str], errors: dict[str, Any]) -> None:
    allowed = set(allowed)
    bad = [v for v in values if v not in allowed]
    if bad:
        errors[field] = _("Unknown value(s): %(values)s.") % {"values": ", ".join(map(str, bad))}


def check_text(field: str, value: str | None, errors: dict[str, Any], max_length: int = MAX_TEXT) -> None:
    if not value:
        return
    if len(value) > max_length:
        errors[field] = _("Too long: at most %(max)s characters (this has %(n)s).") % {
            "max": max_length,
            "n": len(value),
        }
        return
    try:
        validate_no_markup(value)
    except ValidationError as exc:
        errors[field] = exc.messages[0]


def check_not_future(field: str, value: datetime.date | None, errors: dict[str, Any]) -> None:
    if value and value > timezone.localdate():
        errors[field] = _("This date is in the future.")


def raise_if(errors: dict[str, Any]) -> None:
    if errors:
        raise ValidationError(errors)
