"""Writes to the labour-market tables: one figure, or a CSV imported whole or not at all."""

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, User
from reintegra.cases.choices import Education
from reintegra.lib import geo
from reintegra.lib.concurrency import check_version
from reintegra.lib.validation import check_choices, check_text
from reintegra.lib.validators import validate_currency, validate_no_markup
from reintegra.network.choices import Language

from . import isco
from .models import LabourMarketDemand

CSV_COLUMNS = ["area", "isco", "vacancies", "demand_index", "monthly_wage", "currency", "source", "as_of"]
MAX_ROWS = 20_000
MAX_ERRORS = 50
FIELDS = ("area", "isco", "vacancies", "demand_index", "monthly_wage", "wage_currency", "source", "as_of")


def _check_area_and_group(values: dict[str, Any], errors: dict[str, Any]) -> geo.Area | None:
    """The area (ISO 3166-2) and the occupation group (ISCO-08 sub-major) of a figure or an option."""
    area = str(values.get("area") or "").upper()
    found = geo.area_get(area) if area else None
    if found is None:
        errors["area"] = _("“%(code)s” is not an ISO 3166-2 area (or a country without areas).") % {"code": area}
    if not isco.is_sub_major(str(values.get("isco") or "")):
        errors["isco"] = _("“%(code)s” is not an ISCO-08 sub-major group (two digits, e.g. 72).") % {
            "code": values.get("isco")
        }
    return found


def _check(values: dict[str, Any]) -> dict[str, str]:
    """The rules of one figure; returns {field: reason}."""
    errors: dict[str, str] = {}
    _check_area_and_group(values, errors)
    vacancies, index, wage = values.get("vacancies"), values.get("demand_index"), values.get("monthly_wage")
    if vacancies is None and index is None:
        errors["vacancies"] = _("Give the vacancies, a demand index, or both.")
    if vacancies is not None and vacancies < 0:
        errors["vacancies"] = _("Vacancies cannot be negative.")
    if index is not None and not 0 <= index <= 100:
        errors["demand_index"] = _("The demand index runs from 0 to 100.")
    if wage is not None:
        if wage < 0:
            errors["monthly_wage"] = _("A wage cannot be negative.")
        if not values.get("wage_currency"):
            errors["wage_currency"] = _("A wage needs its currency (ISO 4217, e.g. THB, PHP).")
    if values.get("wage_currency"):
        try:
            validate_currency(values["wage_currency"])
        except ValidationError as exc:
            errors["wage_currency"] = exc.messages[0]
    source = str(values.get("source") or "").strip()
    if not source:
        errors["source"] = _("Name the source of the figure.")
    else:
        try:
            validate_no_markup(source)
        except ValidationError as exc:
            errors["source"] = exc.messages[0]
    as_of = values.get("as_of")
    if as_of is None:
        errors["as_of"] = _("Give the date of the figure.")
    elif as_of > timezone.localdate():
        errors["as_of"] = _("This date is in the future.")
    return errors


@transaction.atomic
def demand_save(
    *, actor: User, demand: LabourMarketDemand | None = None, version: int | None = None, **values: Any
) -> LabourMarketDemand:
    values = {k: v for k, v in values.items() if k in FIELDS}
    if "area" in values:
        values["area"] = str(values["area"]).upper()
    if values.get("wage_currency"):
        values["wage_currency"] = str(values["wage_currency"]).upper()
    if demand is not None:
        demand = LabourMarketDemand.objects.select_for_update().get(pk=demand.pk)
        check_version(demand, expected_version=version, submitted=values, fields=FIELDS)
        merged = {f: getattr(demand, f) for f in FIELDS} | values
    else:
        merged = values
    errors = _check(merged)
    if errors:
        raise ValidationError(errors)
    if demand is None:
        demand = LabourMarketDemand.objects.create(**merged)
        action = AuditEvent.Action.CREATE
    else:
        for key, value in values.items():
            setattr(demand, key, value)
        demand.version += 1
        demand.save(update_fields=[*values, "version", "updated_at"])
        action = AuditEvent.Action.UPDATE
    audit_record(
        actor=actor,
        action=action,
        obj=demand,
        categories=["labour_market"],
        details={"area": demand.area, "isco": demand.isco},
    )
    return demand


@dataclass
class ImportResult:
    created: int
    updated: int


class ImportRefused(ValidationError):
    """The file is refused whole: `problems` lists (row, column, reason), row 1 being the header."""

    def __init__(self, problems: list[tuple[int, str, str]]):
        self.problems = problems
        super().__init__(
            [
                _("Row %(row)s, column “%(column)s”: %(reason)s") % {"row": r, "column": c, "reason": m}
                for r, c, m in problems
            ]
        )


def _number(raw: str, kind: type, column: str, row: int, problems: list[tuple[int, str, str]]) -> Any:
    raw = raw.strip().replace(",", "")
    if not raw:
        return None
    try:
        return int(raw) if kind is int else Decimal(raw)
    except (ValueError, InvalidOperation):
        problems.append((row, column, _("“%(value)s” is not a number.") % {"value": raw}))
        return None


@transaction.atomic
def labour_market_import(*, actor: User | None, text: str) -> ImportResult:
    """Imports a CSV (columns: area, isco, vacancies, demand_index, monthly_wage, currency, source,
    as_of). Any bad row refuses the whole file, naming every problem's row, column and reason."""
    problems: list[tuple[int, str, str]] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise ImportRefused([(1, c, _("missing column")) for c in missing])
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, datetime.date], int] = {}
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise ImportRefused([(number, "", _("more than %(n)s rows; split the file") % {"n": MAX_ROWS})])
        raw = {k.strip(): (v or "") for k, v in raw.items() if k}
        values: dict[str, Any] = {
            "area": raw["area"].strip().upper(),
            "isco": raw["isco"].strip(),
            "vacancies": _number(raw["vacancies"], int, "vacancies", number, problems),
            "demand_index": _number(raw["demand_index"], Decimal, "demand_index", number, problems),
            "monthly_wage": _number(raw["monthly_wage"], Decimal, "monthly_wage", number, problems),
            "wage_currency": raw["currency"].strip().upper(),
            "source": raw["source"].strip(),
        }
        try:
            values["as_of"] = datetime.date.fromisoformat(raw["as_of"].strip()) if raw["as_of"].strip() else None
        except ValueError:
            problems.append((number, "as_of", _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw["as_of"]}))
            values["as_of"] = datetime.date.min
        column_of = {"wage_currency": "currency"}
        for field, reason in _check(values).items():
            problems.append((number, column_of.get(field, field), reason))
        key = (values["area"], values["isco"], values["as_of"])
        if key in seen:
            problems.append((number, "area", _("the same area, group and date as row %(row)s") % {"row": seen[key]}))
        seen[key] = number
        rows.append(values)
        if len(problems) >= MAX_ERRORS:
            break
    if not rows and not problems:
        problems.append((2, "", _("the file has no rows")))
    if problems:
        raise ImportRefused(problems[:MAX_ERRORS])
    created = updated = 0
    for values in rows:
        _obj, was_created = LabourMarketDemand.objects.update_or_create(
            area=values["area"],
            isco=values["isco"],
            as_of=values["as_of"],
            defaults={k: v for k, v in values.items() if k not in ("area", "isco", "as_of")},
        )
        created, updated = created + was_created, updated + (not was_created)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        object_type="livelihoods.labourmarketdemand",
        object_id="import",
        categories=["labour_market"],
        details={"created": created, "updated": updated},
    )
    return ImportResult(created=created, updated=updated)


OPPORTUNITY_FIELDS = (
    "kind",
    "support",
    "title",
    "provider",
    "isco",
    "area",
    "starts_on",
    "ends_on",
    "duration_weeks",
    "seats",
    "stipend_monthly",
    "wage_monthly",
    "cost",
    "currency",
    "min_age",
    "max_age",
    "min_education",
    "literacy_required",
    "pathway",
    "certification",
    "languages",
    "gender_restriction",
    "gender_restriction_reason",
    "active",
)


def _check_opportunity(values: dict[str, Any]) -> dict[str, Any]:
    from .models import OpportunityKind, SelfEmploymentSupport

    errors: dict[str, Any] = {}
    check_choices("kind", [values.get("kind", "")], OpportunityKind.values, errors)
    if values.get("kind") == OpportunityKind.SELF_EMPLOYMENT:
        check_choices("support", [values.get("support", "")], SelfEmploymentSupport.values, errors)
    if not str(values.get("title") or "").strip():
        errors["title"] = _("Give the option a title.")
    for field, limit in (("title", 200), ("pathway", 300), ("certification", 200), ("gender_restriction_reason", 1000)):
        check_text(field, values.get(field), errors, max_length=limit)
    found = _check_area_and_group(values, errors)
    provider = values.get("provider")
    if provider is not None and found is not None and provider.country != found.country:
        errors["area"] = _("The area is not in the provider's country.")
    for field in ("seats", "stipend_monthly", "wage_monthly", "cost", "duration_weeks", "min_age", "max_age"):
        value = values.get(field)
        if value is not None and value < 0:
            errors[field] = _("This cannot be negative.")
    if any(values.get(f) is not None for f in ("stipend_monthly", "wage_monthly", "cost")):
        if not values.get("currency"):
            errors["currency"] = _("Money needs its currency (ISO 4217, e.g. THB, PHP).")
        else:
            try:
                validate_currency(values["currency"])
            except ValidationError as exc:
                errors["currency"] = exc.messages[0]
    starts, ends = values.get("starts_on"), values.get("ends_on")
    if starts and ends and ends < starts:
        errors["ends_on"] = _("The end is before the start.")
    if (
        values.get("min_age") is not None
        and values.get("max_age") is not None
        and values["max_age"] < values["min_age"]
    ):
        errors["max_age"] = _("The maximum age is below the minimum age.")
    if values.get("min_education"):
        check_choices("min_education", [values["min_education"]], Education.values, errors)
    check_choices("languages", values.get("languages") or [], Language.values, errors)
    if values.get("gender_restriction") and not str(values.get("gender_restriction_reason") or "").strip():
        errors["gender_restriction_reason"] = _(
            "Options are open to every gender; a restriction needs a recorded justification."
        )
    return errors


@transaction.atomic
def opportunity_save(
    *,
    actor: User | None,
    opportunity: Any = None,
    version: int | None = None,
    placement_partners: Any = None,
    **values: Any,
) -> Any:
    from .models import Opportunity

    values = {k: v for k, v in values.items() if k in OPPORTUNITY_FIELDS}
    if "area" in values:
        values["area"] = str(values["area"]).upper()
    if values.get("currency"):
        values["currency"] = str(values["currency"]).upper()
    if opportunity is not None:
        opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
        check_version(opportunity, expected_version=version, submitted=values, fields=OPPORTUNITY_FIELDS)
        merged = {f: getattr(opportunity, f) for f in OPPORTUNITY_FIELDS} | values
    else:
        merged = values
    errors = _check_opportunity(merged)
    partners = list(placement_partners or [])
    if any(p.type not in ("Employer", "CorporateBusiness") for p in partners):
        errors["placement_partners"] = _("Placement partners are employers.")
    if errors:
        raise ValidationError(errors)
    if opportunity is None:
        opportunity = Opportunity.objects.create(**merged)
        action = AuditEvent.Action.CREATE
    else:
        for key, value in values.items():
            setattr(opportunity, key, value)
        opportunity.version += 1
        opportunity.save(update_fields=[*values, "version", "updated_at"])
        action = AuditEvent.Action.UPDATE
    if placement_partners is not None:
        opportunity.placement_partners.set(partners)
    audit_record(
        actor=actor,
        action=action,
        obj=opportunity,
        categories=["opportunity"],
        details={"provider": opportunity.provider.slug, "restricted": bool(opportunity.gender_restriction)},
    )
    return opportunity
