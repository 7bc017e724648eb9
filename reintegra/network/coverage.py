"""Coverage of a country's areas by the network: which cells have agencies, which are gaps.

Pure: takes plain data, no database. An agency covers an area when it serves the whole
country, the area itself, or a region that contains the area.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from reintegra.lib.geo import Area


@dataclass(frozen=True)
class AgencyReach:
    agency_id: int
    nationwide: bool
    area_codes: frozenset[str]
    columns: frozenset[str]  # the stages (or categories) of its active services


@dataclass
class CoverageRow:
    area: Area
    region: Area | None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def gaps(self) -> list[str]:
        return [column for column, n in self.counts.items() if n == 0]


@dataclass
class Coverage:
    country: str
    columns: list[str]
    rows: list[CoverageRow]

    @property
    def gap_count(self) -> int:
        return sum(len(row.gaps) for row in self.rows)

    @property
    def cell_count(self) -> int:
        return len(self.rows) * len(self.columns)


def compute_coverage(
    *,
    country: str,
    areas: Sequence[Area],
    regions: Mapping[str, Area],
    columns: Sequence[str],
    reaches: Sequence[AgencyReach],
) -> Coverage:
    rows = []
    for area in areas:
        ancestors = {area.code}
        parent = area.parent_code
        while parent:
            ancestors.add(parent)
            parent = regions[parent].parent_code if parent in regions else None
        counts = dict.fromkeys(columns, 0)
        for reach in reaches:
            if reach.nationwide or reach.area_codes & ancestors:
                for column in reach.columns:
                    if column in counts:
                        counts[column] += 1
        region = regions.get(area.parent_code) if area.parent_code else None
        rows.append(CoverageRow(area=area, region=region, counts=counts))
    return Coverage(country=country, columns=list(columns), rows=rows)
