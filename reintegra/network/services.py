"""Writes to the referral network. Each is atomic, validated in full and audited."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, User
from reintegra.lib import geo
from reintegra.lib.concurrency import check_version

from .models import Agency, AgencyArea, Service

AGENCY_FIELDS = (
    "slug",
    "name",
    "name_local",
    "type",
    "country",
    "nationwide",
    "languages",
    "contact_email",
    "contact_phone",
    "website",
    "address",
    "description",
    "active",
)
SERVICE_FIELDS = (
    "name",
    "name_local",
    "stage",
    "category",
    "description",
    "min_age",
    "max_age",
    "gender_restriction",
    "gender_restriction_reason",
    "capacity",
    "cost_to_client",
    "cost_currency",
    "languages",
    "active",
)


def _clean_area_codes(*, country: str, codes: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    bad: list[str] = []
    for raw in codes:
        code = str(raw).strip().upper()
        area = geo.area_get(code) if code else None
        if area is None or area.country != country:
            bad.append(str(raw))
        elif code not in cleaned:
            cleaned.append(code)
    if bad:
        raise ValidationError(
            {"areas": _("Not an area of %(country)s: %(codes)s.") % {"country": country, "codes": ", ".join(bad)}}
        )
    return cleaned


def _set_areas(agency: Agency, codes: list[str]) -> None:
    existing = set(agency.areas.values_list("code", flat=True))
    agency.areas.exclude(code__in=codes).delete()
    AgencyArea.objects.bulk_create([AgencyArea(agency=agency, code=c) for c in codes if c not in existing])


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in after if before.get(k) != after[k])


@transaction.atomic
def agency_create(*, actor: User | None, areas: Iterable[str] = (), **fields: Any) -> Agency:
    agency = Agency(**{k: v for k, v in fields.items() if k in AGENCY_FIELDS})
    agency.country = (agency.country or "").upper()
    errors: dict[str, Any] = {}
    try:
        agency.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        area_codes = _clean_area_codes(country=agency.country, codes=areas)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    agency.save()
    _set_areas(agency, area_codes)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=agency,
        categories=["agency"],
        details={"fields": sorted(fields), "areas": area_codes},
    )
    return agency


@transaction.atomic
def agency_update(
    *, actor: User | None, agency: Agency, version: int | None, areas: Iterable[str] | None = None, **fields: Any
) -> Agency:
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    submitted = {k: v for k, v in fields.items() if k in AGENCY_FIELDS}
    if "country" in submitted:
        submitted["country"] = str(submitted["country"]).upper()
    check_version(agency, expected_version=version, submitted=submitted, fields=AGENCY_FIELDS)
    before = {k: getattr(agency, k) for k in submitted}
    for key, value in submitted.items():
        setattr(agency, key, value)
    errors: dict[str, Any] = {}
    try:
        agency.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    area_codes = None
    if areas is not None:
        try:
            area_codes = _clean_area_codes(country=agency.country, codes=areas)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    elif "country" in submitted and before.get("country") != agency.country and agency.areas.exists():
        errors["areas"] = [_("The areas served belong to the old country; choose areas of the new one.")]
    if errors:
        raise ValidationError(errors)
    agency.version += 1
    agency.save(update_fields=[*submitted, "version", "updated_at"])
    old_areas = sorted(agency.areas.values_list("code", flat=True))
    if area_codes is not None:
        _set_areas(agency, area_codes)
    changed = _changed(before, submitted)
    if area_codes is not None and sorted(area_codes) != old_areas:
        changed.append("areas")
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=agency,
        categories=["agency"],
        details={"changed": changed, "version": agency.version},
    )
    return agency


@transaction.atomic
def service_create(*, actor: User | None, agency: Agency, **fields: Any) -> Service:
    service = Service(agency=agency, **{k: v for k, v in fields.items() if k in SERVICE_FIELDS})
    if service.cost_currency:
        service.cost_currency = service.cost_currency.upper()
    service.full_clean()
    service.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=service,
        categories=["service"],
        details={"agency": agency.slug, "fields": sorted(fields)},
    )
    return service


@transaction.atomic
def service_update(*, actor: User | None, service: Service, version: int | None, **fields: Any) -> Service:
    service = Service.objects.select_for_update().select_related("agency").get(pk=service.pk)
    submitted = {k: v for k, v in fields.items() if k in SERVICE_FIELDS}
    if submitted.get("cost_currency"):
        submitted["cost_currency"] = str(submitted["cost_currency"]).upper()
    check_version(service, expected_version=version, submitted=submitted, fields=SERVICE_FIELDS)
    before = {k: getattr(service, k) for k in submitted}
    for key, value in submitted.items():
        setattr(service, key, value)
    service.full_clean()
    service.version += 1
    service.save(update_fields=[*submitted, "version", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=service,
        categories=["service"],
        details={"changed": _changed(before, submitted), "version": service.version},
    )
    return service
