from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery

from reintegra.accounts.access import AnyUser, require_member
from reintegra.lib import geo

from .models import LabourMarketDemand, Opportunity


def labour_market_list(
    *, user: AnyUser, country: str = "", area: str = "", isco: str = "", latest_only: bool = True
) -> QuerySet[LabourMarketDemand]:
    """Figures the network uses beside every option. Reference data: every member reads it."""
    require_member(user)
    figures = LabourMarketDemand.objects.all()
    if country:
        country = country.upper()
        figures = figures.filter(area__startswith=f"{country}-") | figures.filter(area=country)
    if area:
        figures = figures.filter(area__in=geo.area_ancestors(area.upper()) or [area.upper()])
    if isco:
        figures = figures.filter(isco=isco)
    if latest_only:
        newest = LabourMarketDemand.objects.filter(area=OuterRef("area"), isco=OuterRef("isco")).order_by("-as_of")
        figures = figures.filter(pk=Subquery(newest.values("pk")[:1]))
    return figures.order_by("area", "isco", "-as_of")


def demand_for(*, area: str, isco: str) -> LabourMarketDemand | None:
    """The newest figure for an occupation group in an area, else in the region around it."""
    for code in geo.area_ancestors(area) or [area]:
        figure = LabourMarketDemand.objects.filter(area=code, isco=isco).order_by("-as_of").first()
        if figure is not None:
            return figure
    return None


LONG_UNPAID_WEEKS = 8  # a course this long without a stipend is flagged: people must support a family


@dataclass
class OptionRow:
    opportunity: Opportunity
    demand: LabourMarketDemand | None

    @property
    def long_and_unpaid(self) -> bool:
        o = self.opportunity
        return (
            o.kind in ("vocational_training", "education")
            and not o.stipend_monthly
            and (o.duration_weeks or 0) >= LONG_UNPAID_WEEKS
        )


def opportunity_rows(
    *,
    user: AnyUser,
    kind: str = "",
    country: str = "",
    isco: str = "",
    opportunities: QuerySet[Opportunity] | None = None,
) -> list[OptionRow]:
    """Options with the newest local demand beside each (the area's, else its region's), in two queries."""
    require_member(user)
    options = opportunities if opportunities is not None else Opportunity.objects.filter(active=True)
    if kind:
        options = options.filter(kind=kind)
    if country:
        options = options.filter(provider__country=country.upper())
    if isco:
        options = options.filter(isco=isco)
    options_list = list(options.select_related("provider").order_by("area", "title"))
    chains = {o.pk: geo.area_ancestors(o.area) or [o.area] for o in options_list}
    codes = {c for chain in chains.values() for c in chain}
    newest: dict[tuple[str, str], LabourMarketDemand] = {}
    for figure in LabourMarketDemand.objects.filter(area__in=codes, isco__in={o.isco for o in options_list}).order_by(
        "as_of"
    ):
        newest[(figure.area, figure.isco)] = figure
    rows = []
    for option in options_list:
        demand = next((newest[(c, option.isco)] for c in chains[option.pk] if (c, option.isco) in newest), None)
        rows.append(OptionRow(opportunity=option, demand=demand))
    return rows
