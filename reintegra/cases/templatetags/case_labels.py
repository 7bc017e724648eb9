"""Show stored vocabulary codes (HTCDS values, categories, agency types) as translated labels."""

from collections.abc import Iterable

from django import template
from django.db.models import TextChoices

from reintegra.lib import geo
from reintegra.network.choices import AgencyType, Language

from ..choices import ControlMeans, DataCategory, DocumentType, Exploitation, RecruitmentMethod, ReferralReason

register = template.Library()

VOCABULARIES: dict[str, type[TextChoices]] = {
    "exploitation": Exploitation,
    "control": ControlMeans,
    "recruitment": RecruitmentMethod,
    "category": DataCategory,
    "agency_type": AgencyType,
    "language": Language,
    "reason": ReferralReason,
    "document": DocumentType,
}


@register.filter
def labels(codes: Iterable[str] | str, vocabulary: str) -> str:
    """`{{ event.exploitation_types|labels:"exploitation" }}` → "Forced labour, Debt bondage"."""
    if isinstance(codes, str):
        codes = [codes]
    if vocabulary == "country":
        return ", ".join(geo.country_name(c) for c in codes)
    names = dict(VOCABULARIES[vocabulary].choices)
    return ", ".join(str(names.get(code, code)) for code in codes)
