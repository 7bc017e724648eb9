"""The demo referral network: Thai and Filipino agencies across the four stages, and partner
agencies in the countries migrants return from. Government bodies carry their real names; NGOs,
shelters, employers and lenders are invented (marked "demo") so that no real organisation is
misrepresented.

The agencies, their services and the demo users are in data/network.json, one object each, keyed
by the names of the fields the network's services take.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from reintegra.network import services as network_services
from reintegra.network.models import Agency


@dataclass(frozen=True)
class DemoService:
    name: str
    stage: str
    category: str
    description: str = ""
    min_age: int | None = None
    capacity: int | None = None
    gender_restriction: str = ""
    gender_restriction_reason: str = ""


@dataclass(frozen=True)
class DemoAgency:
    slug: str
    name: str
    type: str
    country: str
    services: tuple[DemoService, ...]
    name_local: str = ""
    nationwide: bool = False
    areas: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()  # the agency's services work in the same languages
    contact_phone: str = ""

    def create(self) -> Agency:
        """The agency and its services, through the network's services."""
        agency = network_services.agency_create(
            actor=None,
            slug=self.slug,
            name=self.name,
            name_local=self.name_local,
            type=self.type,
            country=self.country,
            nationwide=self.nationwide,
            areas=self.areas,
            languages=list(self.languages),
            contact_phone=self.contact_phone,
        )
        for service in self.services:
            network_services.service_create(
                actor=None,
                agency=agency,
                name=service.name,
                stage=service.stage,
                category=service.category,
                description=service.description,
                min_age=service.min_age,
                capacity=service.capacity,
                gender_restriction=service.gender_restriction,
                gender_restriction_reason=service.gender_restriction_reason,
                languages=list(self.languages),
            )
        return agency


class DemoUser(NamedTuple):
    """A demo login. A named tuple, so that the readers that unpack it keep working."""

    username: str
    first_name: str
    last_name: str
    agency: str  # slug
    role: str


def _agency(record: dict[str, Any]) -> DemoAgency:
    lists = {
        "areas": tuple(record.get("areas", ())),
        "languages": tuple(record.get("languages", ())),
        "services": tuple(DemoService(**service) for service in record["services"]),
    }
    return DemoAgency(**(record | lists))


_DATA = json.loads((Path(__file__).parent / "data" / "network.json").read_text(encoding="utf-8"))
DEMO_AGENCIES: tuple[DemoAgency, ...] = tuple(_agency(record) for record in _DATA["agencies"])
USERS: tuple[DemoUser, ...] = tuple(DemoUser(**record) for record in _DATA["users"])


def load_demo_network() -> int:
    """Creates the demo agencies that are not in the database yet; returns how many it created."""
    existing = set(Agency.objects.filter(slug__in=[a.slug for a in DEMO_AGENCIES]).values_list("slug", flat=True))
    missing = [agency for agency in DEMO_AGENCIES if agency.slug not in existing]
    for agency in missing:
        agency.create()
    return len(missing)
