"""Writes to the referral network. Each is atomic, validated in full and audited.

The rules of one field or of one record are the models' (field validators, `clean()`); the
services run them with `full_clean()`. What is left here spans records: the areas served (rows of
`AgencyArea`) against the agency's country, and a service's agency, which the caller has fetched
with the access helpers.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Unpack

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from reintegra.accounts.audit import audit_record
from reintegra.accounts.models import AuditEvent, Role, User
from reintegra.lib import geo
from reintegra.lib.concurrency import check_version

from .models import (
    AGENCY_FIELDS,
    SERVICE_FIELDS,
    Agency,
    AgencyArea,
    AgencyFields,
    Service,
    ServiceFields,
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


def _full_clean_with_areas(
    agency: Agency, *, areas: Iterable[str] | None, country_changed: bool = False
) -> list[str] | None:
    """Runs the agency's own rules and checks the areas served, and reports both at once.

    The areas are rows of their own (`AgencyArea`) that must lie in the agency's country, a rule
    across records, so it is checked here and its error joined to those of `full_clean()`.
    Returns the cleaned area codes, or None when the areas are left as they are.
    """
    errors: dict[str, list[ValidationError]] = {}
    try:
        agency.full_clean()
    except ValidationError as exc:
        exc.update_error_dict(errors)
    area_codes = None
    try:
        if areas is not None:
            area_codes = _clean_area_codes(country=agency.country, codes=areas)
        elif country_changed and agency.areas.exists():
            raise ValidationError(
                {"areas": _("The areas served belong to the old country; choose areas of the new one.")}
            )
    except ValidationError as exc:
        exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    return area_codes


# An agency's names are how the others know who they refer a person to: only those who keep the
# network (coordinators, administrators) change them (issue 12).
AGENCY_NAME_FIELDS = ("name", "name_local")


def may_rename_agency(actor: User | None) -> bool:
    return actor is None or actor.is_superuser or actor.role == Role.NETWORK_COORDINATOR


def _set_areas(agency: Agency, codes: list[str]) -> None:
    existing = set(agency.areas.values_list("code", flat=True))
    agency.areas.exclude(code__in=codes).delete()
    AgencyArea.objects.bulk_create([AgencyArea(agency=agency, code=c) for c in codes if c not in existing])


def _fields_set(obj: models.Model, names: Iterable[str]) -> list[str]:
    """The fields that hold something other than their default: what the creator filled in."""
    defaults = {field.name: field.get_default() for field in obj._meta.concrete_fields}
    return sorted(name for name in names if getattr(obj, name) != defaults[name])


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in after if before.get(k) != after[k])


def _refuse_unknown(changes: dict[str, Any], fields: tuple[str, ...]) -> None:
    # A programming error, not input: forms and serializers hand over only the listed fields.
    if unknown := sorted(set(changes) - set(fields)):
        raise TypeError(f"Unknown field(s): {', '.join(unknown)}")


def short_name_for(name: str) -> str:
    """A short name (the agency's `slug`, in its address) made from its English name, unique: a
    number is added when another agency has it ("sunrise-shelter-2")."""
    base = slugify(name)[:56].strip("-") or "agency"
    taken = set(Agency.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)


@transaction.atomic
def agency_create(
    *,
    actor: User | None,
    slug: str = "",
    name: str,
    type: str,
    country: str,
    name_local: str = "",
    nationwide: bool = False,
    areas: Iterable[str] = (),
    languages: list[str] | None = None,
    contact_email: str = "",
    contact_phone: str = "",
    website: str = "",
    address: str = "",
    description: str = "",
    active: bool = True,
) -> Agency:
    """Adds an agency; without a `slug` (the pages never ask for one), one is made from the name."""
    agency = Agency(
        slug=slug or short_name_for(name or ""),
        name=name,
        name_local=name_local,
        type=type,
        country=(country or "").upper(),
        nationwide=nationwide,
        languages=[] if languages is None else languages,
        contact_email=contact_email,
        contact_phone=contact_phone,
        website=website,
        address=address,
        description=description,
        active=active,
    )
    area_codes = _full_clean_with_areas(agency, areas=areas) or []
    agency.save()
    _set_areas(agency, area_codes)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=agency,
        categories=["agency"],
        details={"fields": _fields_set(agency, AGENCY_FIELDS), "areas": area_codes},
    )
    return agency


@transaction.atomic
def agency_update(
    *,
    actor: User | None,
    agency: Agency,
    version: int | None,
    areas: Iterable[str] | None = None,
    **changes: Unpack[AgencyFields],
) -> Agency:
    """Changes the fields given (and the areas served when given); a field left out keeps its value."""
    _refuse_unknown(dict(changes), AGENCY_FIELDS)
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    submitted: dict[str, Any] = dict(changes)
    if "country" in submitted:
        submitted["country"] = str(submitted["country"]).upper()
    check_version(agency, expected_version=version, submitted=submitted, fields=AGENCY_FIELDS)
    before = {k: getattr(agency, k) for k in submitted}
    renamed = {k: [before[k], submitted[k]] for k in AGENCY_NAME_FIELDS if k in submitted and before[k] != submitted[k]}
    if renamed and not may_rename_agency(actor):
        raise ValidationError({k: _("Only a network coordinator can rename an agency.") for k in renamed})
    for key, value in submitted.items():
        setattr(agency, key, value)
    country_changed = before.get("country", agency.country) != agency.country
    area_codes = _full_clean_with_areas(agency, areas=areas, country_changed=country_changed)
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
        # Old and new names side by side: a rename is how one agency could pass for another.
        details={"changed": changed, "version": agency.version} | ({"renamed": renamed} if renamed else {}),
    )
    return agency


@transaction.atomic
def service_create(
    *,
    actor: User | None,
    agency: Agency,
    name: str,
    stage: str,
    category: str,
    name_local: str = "",
    description: str = "",
    min_age: int | None = None,
    max_age: int | None = None,
    capacity: int | None = None,
    cost_to_client: Decimal = Decimal(0),
    cost_currency: str = "",
    languages: list[str] | None = None,
    gender_restriction: str = "",
    gender_restriction_reason: str = "",
    active: bool = True,
) -> Service:
    """`agency` is one the actor may edit, fetched by the caller through the access helpers."""
    service = Service(
        agency=agency,
        name=name,
        name_local=name_local,
        stage=stage,
        category=category,
        description=description,
        min_age=min_age,
        max_age=max_age,
        capacity=capacity,
        cost_to_client=cost_to_client,
        cost_currency=(cost_currency or "").upper(),
        languages=[] if languages is None else languages,
        gender_restriction=gender_restriction,
        gender_restriction_reason=gender_restriction_reason,
        active=active,
    )
    service.full_clean()
    service.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=service,
        categories=["service"],
        details={"agency": agency.slug, "fields": _fields_set(service, SERVICE_FIELDS)},
    )
    return service


@transaction.atomic
def service_update(
    *, actor: User | None, service: Service, version: int | None, **changes: Unpack[ServiceFields]
) -> Service:
    """Changes the fields given; a field left out keeps its value."""
    _refuse_unknown(dict(changes), SERVICE_FIELDS)
    service = Service.objects.select_for_update().select_related("agency").get(pk=service.pk)
    submitted: dict[str, Any] = dict(changes)
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
