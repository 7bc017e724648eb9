"""Writes to the labour-market tables: one figure, or a CSV imported whole or not at all."""

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Unpack, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, User
from reintegra.lib.concurrency import check_version
from reintegra.lib.validation import full_clean_or_raise, record_problems
from reintegra.network.models import Agency

from .models import (
    DEMAND_FIELDS,
    EMPLOYER_TYPES,
    OPTION_FIELDS,
    DemandFields,
    LabourMarketDemand,
    Opportunity,
    OptionFields,
    group_values,
)

CSV_COLUMNS = ["area", "isco", "vacancies", "demand_index", "monthly_wage", "currency", "source", "as_of"]
MAX_ROWS = 20_000
MAX_ERRORS = 50


def _problems(values: DemandFields) -> dict[str, str]:
    """The rules of one figure (on the model), as {field: reason}; nothing is saved."""
    figure = LabourMarketDemand(**values)
    return {field: " ".join(map(str, messages)) for field, messages in record_problems(figure).items()}


@transaction.atomic
def demand_save(
    *,
    actor: User,
    demand: LabourMarketDemand | None = None,
    version: int | None = None,
    **values: Unpack[DemandFields],
) -> LabourMarketDemand:
    """Records a figure, or changes the fields given of `demand` (a field left out keeps its value)."""
    unknown = set(values) - set(DEMAND_FIELDS)
    if unknown:
        raise TypeError(f"demand_save() got unknown fields: {sorted(unknown)}")
    if "area" in values:
        values["area"] = str(values["area"]).upper()
    if values.get("wage_currency"):
        values["wage_currency"] = str(values["wage_currency"]).upper()
    if demand is not None:
        demand = LabourMarketDemand.objects.select_for_update().get(pk=demand.pk)
        check_version(demand, expected_version=version, submitted=dict(values), fields=DEMAND_FIELDS)
        merged = cast(DemandFields, {f: getattr(demand, f) for f in DEMAND_FIELDS} | values)
    else:
        merged = values
    errors = _problems(merged)
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


def labour_market_import(*, actor: User | None, text: str) -> ImportResult:
    """Imports a CSV (columns: area, isco, vacancies, demand_index, monthly_wage, currency, source,
    as_of). Any bad row refuses the whole file, naming every problem's row, column and reason.
    The rows are read and checked first, outside any transaction; only their writes and the audit
    record are one transaction, so the database's write lock (SQLite's, and the audit chain's head)
    is held for the writes alone, not while thousands of rows are checked (tests/test_faults.py)."""
    # newline=None: universal newlines, so a file with CR-only line endings (old Mac Excel) is read.
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=None))
    try:
        return _labour_market_import(actor, reader)
    except csv.Error as exc:  # a field over the csv module's limit, a NUL in a line, a broken quote
        reason = _("the file is not readable CSV: %(reason)s") % {"reason": exc}
        raise ImportRefused([(reader.line_num or 1, "", reason)]) from None


def _labour_market_import(actor: User | None, reader: "csv.DictReader[str]") -> ImportResult:
    problems: list[tuple[int, str, str]] = []
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
        for field, reason in _problems(cast(DemandFields, values)).items():
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
    return _labour_market_write(actor, rows)


@transaction.atomic
def _labour_market_write(actor: User | None, rows: list[dict[str, Any]]) -> ImportResult:
    """Every row of a checked file, and its audit record: all saved, or none."""
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


OPPORTUNITY_FIELDS = OPTION_FIELDS  # the name the views used


@transaction.atomic
def opportunity_save(
    *,
    actor: User | None,
    opportunity: Opportunity | None = None,
    version: int | None = None,
    placement_partners: list[Agency] | None = None,
    **given: Unpack[OptionFields],
) -> Opportunity:
    """Adds an option to the catalogue, or (given `opportunity` and its `version`) rewrites it with the
    values given; `placement_partners` None leaves an option's partners as they are."""
    values = group_values(Opportunity, OPTION_FIELDS, given)
    problems: dict[str, Any] = {}
    partners = list(placement_partners or [])
    if any(p.type not in EMPLOYER_TYPES for p in partners):
        problems["placement_partners"] = _("Placement partners are employers.")
    if opportunity is not None:
        opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
        check_version(opportunity, expected_version=version, submitted=values, fields=OPTION_FIELDS)
        for key, value in values.items():
            setattr(opportunity, key, value)
        opportunity.version += 1
        action = AuditEvent.Action.UPDATE
    else:
        opportunity = Opportunity(**values)
        action = AuditEvent.Action.CREATE
    full_clean_or_raise(opportunity, problems)
    opportunity.save(
        update_fields=[*OPTION_FIELDS, "version", "updated_at"] if action == AuditEvent.Action.UPDATE else None
    )
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
